#ifndef CVEBUSTER_CSQLITE_SHIM_H
#define CVEBUSTER_CSQLITE_SHIM_H
#include <sqlite3.h>

// Swift cannot call C variadic functions; these wrap the few configuration calls we need.

/// Turns off double-quoted string literals, so a misspelt column name is an error, not a string.
static inline int cvebuster_sqlite_disable_dqs(sqlite3 *db) {
  int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
}

/// Refuses to let SQL touch the schema through `PRAGMA writable_schema` and similar (defensive mode).
static inline int cvebuster_sqlite_enable_defensive(sqlite3 *db) {
  return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
}

/// SQLITE_TRANSIENT as a function: Swift cannot import the macro's cast.
// Turns off SQLite's memory statistics, which take a global mutex on every allocation. Only
// effective before the library initialises (the first open); later it returns SQLITE_MISUSE.
static inline int cvebuster_sqlite_disable_memstatus(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static inline sqlite3_destructor_type cvebuster_sqlite_transient(void) {
  return SQLITE_TRANSIENT;
}
#endif
