-- cvebuster-outbox schema, version 8: new lookup pairs go into a third, smallest table, and a
-- count of pairs ever added lets an enqueue keep the key hashes in memory.
--
-- 1. `fresh_keys`. Version 6 put each new key's pair into `recent_keys`, which grows to an
--    eighth of the outbox before its pairs move on: 25 MB at ten million rows, beyond the page
--    cache. Each enqueue transaction of 20,000 keys then dirtied nearly every page of it and
--    wrote them all to the WAL and back (3.7 GB written for the 10th million, against 1.1 GB
--    for the first). Now new pairs go into `fresh_keys`, which moves into `recent_keys` in key
--    order at 131,072 pairs (about 3 MB, always cached); `recent_keys` moves into
--    `finding_keys` at an eighth of the rows, as before. Every pair is in exactly one of the
--    three tables; a lookup reads all three and prune sweeps all three.
-- 2. `key_merge.fresh` counts the pairs in `fresh_keys`, as `recent` counts `recent_keys`.
-- 3. `key_merge.added` counts pairs ever added (enqueue adds it in the transaction that
--    inserts them; moves and sweeps never add a hash). An enqueue keeps a Bloom filter of every
--    key hash in the three tables and skips the lookup of a key the filter never saw (at ten
--    million rows that lookup reads a random page from disk). A filter built when `added` was N
--    is complete while `added` is N plus what its own process committed since; anything else
--    sends lookups back to the tables until it is rebuilt. `recent` cannot serve: a sweep
--    lowers it as an insert raises it.

CREATE TABLE fresh_keys (
  key_hash INTEGER NOT NULL,   -- as in finding_keys
  id       INTEGER NOT NULL,
  PRIMARY KEY (key_hash, id)
) STRICT, WITHOUT ROWID;

ALTER TABLE key_merge ADD COLUMN fresh INTEGER NOT NULL DEFAULT 0 CHECK (fresh >= 0);
ALTER TABLE key_merge ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
