-- cvebuster-outbox schema, version 6: new lookup pairs go into a small table first and reach
-- `finding_keys` in key order, many at a time.
--
-- A new key's (key_hash, id) pair lands at a random place in `finding_keys`. Once that table
-- outgrows the page cache (about 20 bytes a pair: 200 MB at ten million rows) nearly every new
-- row dirties a page of its own, and each such page is written to the WAL and again into the
-- database: about 9 KB of writes per row enqueued at ten million rows, a third of an empty
-- outbox's pace. `recent_keys` takes the new pairs instead; it stays small, so a transaction's
-- pairs share its pages. Once it holds an eighth as many pairs as the outbox has rows, enqueue
-- moves them into `finding_keys` in key order, in short transactions: each page of the large
-- table is then written once for the many pairs that land on it.
--
-- A key is looked up in both tables. A pair is in exactly one of them at any moment, since a
-- move inserts and deletes in the same transaction. Stale pairs (their row deleted) may sit
-- in either; prune sweeps both.

CREATE TABLE recent_keys (
  key_hash INTEGER NOT NULL,   -- as in finding_keys
  id       INTEGER NOT NULL,
  PRIMARY KEY (key_hash, id)
) STRICT, WITHOUT ROWID;

-- Pairs in recent_keys (one row), changed in the transactions that insert or move them.
CREATE TABLE key_merge (
  recent INTEGER NOT NULL CHECK (recent >= 0)
) STRICT;
INSERT INTO key_merge (recent) VALUES (0);
