-- cvebuster-outbox schema, version 8: a count of lookup pairs ever added, so a process that
-- keeps the key hashes in memory can tell when another process added keys.
--
-- An enqueue keeps a Bloom filter of every key hash in `finding_keys` and `recent_keys`, and
-- skips the lookup of a key the filter has never seen (at ten million rows that lookup reads a
-- random page from disk). Pairs enter those tables only when an enqueue inserts a new key, and
-- that transaction adds their number to `added`; moves and sweeps never add a hash. A filter
-- built when `added` was N stays complete as long as `added` is N plus what its own process
-- inserted since: any other difference sends the lookups back to the tables until the filter
-- is built again. `recent` cannot serve: a sweep lowers it as an insert raises it.

ALTER TABLE key_merge ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
