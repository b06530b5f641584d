#ifndef CVEBUSTER_CSQLITE_SHIM_H
#define CVEBUSTER_CSQLITE_SHIM_H
#include <sqlite3.h>
#include <stdint.h>

// Swift cannot call C variadic functions; these wrap the few configuration calls we need.

/// Turns off double-quoted string literals, so a misspelt column name is an error, not a string.
static inline int cvebuster_sqlite_disable_dqs(sqlite3 *db) {
  int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
}

/// With `on`, refuses to let SQL touch the schema through `PRAGMA writable_schema` and similar
/// (defensive mode); off only while the outbox's own migrations run.
static inline int cvebuster_sqlite_set_defensive(sqlite3 *db, int on) {
  return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, (int *)0);
}

/// Busy handler: tries again every millisecond, up to the number of tries in `tries`.
/// SQLite's own timeout backs off to 100 ms between tries, so a waiter keeps missing the short
/// gaps a writer working in many small transactions leaves between them.
static int cvebuster_sqlite_poll_busy(void *tries, int count) {
  if (count >= (int)(intptr_t)tries) return 0;
  sqlite3_sleep(1);
  return 1;
}

/// Waits for another writer's lock by trying again every millisecond, about `milliseconds` long.
static inline int cvebuster_sqlite_set_polling_busy_timeout(sqlite3 *db, int milliseconds) {
  return sqlite3_busy_handler(db, milliseconds > 0 ? cvebuster_sqlite_poll_busy : 0, (void *)(intptr_t)milliseconds);
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
