-- cvebuster-outbox schema, version 5: the key lookup moves from an index on finding_content
-- into a table of its own, so that deleting a row no longer edits it at a random place.
--
-- Until now every deleted row removed its entry from `content_key` (an index over random 64-bit
-- hashes): at ten million rows, one random index page written per deleted row, about 7 KB of
-- writes per row pruned. `finding_keys` holds the same (key_hash, id) pairs, but a deleted row
-- leaves its pair behind. A pair whose id has no row is stale and harmless: enqueue joins each
-- pair to its row (ids are never reused), so a stale pair matches nothing. `prune` counts the
-- pairs it leaves in `key_sweep` and, once they are a fifth of all pairs, sweeps them out in
-- key order: each page of the table is then written once, however many of its pairs go.
--
-- `finding_content.key_hash` stays: this migration builds the pairs from it, and dropping the
-- column would rebuild the whole table.

CREATE TABLE finding_keys (
  key_hash INTEGER NOT NULL,   -- cvebuster_key_hash(vuln_id, machine_name, last_modified)
  id       INTEGER NOT NULL,   -- finding_content.id; stale once that row is deleted
  PRIMARY KEY (key_hash, id)
) STRICT, WITHOUT ROWID;

INSERT INTO finding_keys (key_hash, id) SELECT key_hash, id FROM finding_content ORDER BY key_hash, id;
DROP INDEX content_key;

-- Pairs left behind by deleted rows and not swept yet (one row).
CREATE TABLE key_sweep (
  stale INTEGER NOT NULL CHECK (stale >= 0)
) STRICT;
INSERT INTO key_sweep (stale) VALUES (0);
