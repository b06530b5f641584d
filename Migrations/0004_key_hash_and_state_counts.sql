-- cvebuster-outbox schema, version 4: an outbox that stays fast and small at ten million rows.
--
-- 1. Keys are looked up through a 64-bit hash of the natural key (`key_hash`, an INTEGER index
--    of about 20 bytes a row) instead of a unique index over the three key texts (about 60).
--    Equal hashes of different keys are told apart by the key columns, which are stored once:
--    the payload no longer repeats VulnId, MachineName and LastModified (a drain puts them back
--    in front of the other members). `content_hash` keeps the first 8 bytes of the SHA-256.
--    `key_hash` is computed by `cvebuster_key_hash()`, a function each outbox connection defines.
-- 2. `delivery_counts` holds the number of rows in each state, changed in the same transaction
--    as the rows, so `status` reads four numbers instead of counting millions.
-- 3. Pending rows are claimed in id order through a partial index of ids, which also gives the
--    oldest pending row at once. A row given back for a later try is passed over until its time.

-- Views read the tables rebuilt below; they are recreated at the end.
DROP VIEW findings_detail;
DROP VIEW findings;
DROP VIEW outbox_summary;
DROP VIEW backlog_by_machine;
DROP VIEW pending_age_histogram;

CREATE TABLE finding_content_v4 (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused; finding_delivery.id
  key_hash      INTEGER NOT NULL,                   -- cvebuster_key_hash(vuln_id, machine_name, last_modified)
  vuln_id       TEXT    NOT NULL,
  machine_name  TEXT    NOT NULL,
  last_modified TEXT    NOT NULL,                   -- canonical ISO-8601 UTC
  payload       TEXT,                               -- the canonical row without its three key members;
                                                    -- NULL once compacted by prune
  content_hash  BLOB    NOT NULL,                   -- first 8 bytes of SHA-256 of the whole canonical row
  enqueued_at   INTEGER NOT NULL
) STRICT;

INSERT INTO finding_content_v4 (id, key_hash, vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at)
SELECT id, cvebuster_key_hash(vuln_id, machine_name, last_modified), vuln_id, machine_name, last_modified,
       json_remove(payload, '$.VulnId', '$.MachineName', '$.LastModified'), substr(content_hash, 1, 8), enqueued_at
FROM finding_content ORDER BY id;

-- Ids stay never reused: the new table's sequence starts where the old one stopped.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'finding_content_v4', seq FROM sqlite_sequence WHERE name = 'finding_content'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_content_v4');
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'finding_content'), 0))
WHERE name = 'finding_content_v4';

-- The delivery rows keep pointing at the same ids: foreign keys are off while migrations run.
DROP TABLE finding_content;
ALTER TABLE finding_content_v4 RENAME TO finding_content;
CREATE INDEX content_key ON finding_content (key_hash);

-- Claim order and the oldest pending row (replaces delivery_ready).
DROP INDEX delivery_ready;
CREATE INDEX delivery_pending ON finding_delivery (id) WHERE state = 'pending';

CREATE TABLE delivery_counts (
  state TEXT    PRIMARY KEY CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  rows  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO delivery_counts (state, rows)
SELECT s.column1, (SELECT count(*) FROM finding_delivery AS d WHERE d.state = s.column1)
FROM (VALUES ('pending'), ('sending'), ('sent'), ('dead')) AS s;

-- Version 1's table, column for column; `payload` is the row as a drain sends it.
CREATE VIEW findings AS
SELECT c.id, c.vuln_id, c.machine_name, c.last_modified,
       CASE WHEN c.payload IS NOT NULL THEN
         '{"VulnId":' || json_quote(c.vuln_id) || ',"MachineName":' || json_quote(c.machine_name)
         || ',"LastModified":' || json_quote(c.last_modified)
         || CASE c.payload WHEN '{}' THEN '}' ELSE ',' || substr(c.payload, 2) END
       END AS payload,
       c.content_hash, d.revision, d.state, d.attempts, d.next_attempt_at,
       l.owner AS lease_owner, l.expires_at AS lease_expires_at,
       c.enqueued_at, d.updated_at, d.sent_at, d.batch_id, d.last_error
FROM finding_content AS c
JOIN finding_delivery AS d ON d.id = c.id
LEFT JOIN leases AS l ON l.id = d.lease_id;

-- Rows per state (from delivery_counts) and the oldest row of each.
CREATE VIEW outbox_summary AS
SELECT k.state,
       k.rows,
       strftime('%Y-%m-%dT%H:%M:%fZ', o.enqueued_at / 1000.0, 'unixepoch') AS oldest_enqueued_at,
       unixepoch('now') - o.enqueued_at / 1000 AS oldest_age_seconds
FROM delivery_counts AS k
LEFT JOIN (SELECT d.state, min(c.enqueued_at) AS enqueued_at
           FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id GROUP BY d.state) AS o
  ON o.state = k.state
WHERE k.rows > 0;

-- Stream columns read out of the payload, beside the delivery state (unchanged).
CREATE VIEW findings_detail AS
SELECT id, state, revision, attempts,
       vuln_id AS VulnId,
       payload ->> '$.VulnTitle' AS VulnTitle,
       payload ->> '$.Severity' AS Severity,
       payload ->> '$.CVSS' AS CVSS,
       machine_name AS MachineName,
       payload ->> '$.AssetCriticality' AS AssetCriticality,
       payload ->> '$.PatchAvailable' AS PatchAvailable,
       payload ->> '$.ExploitAvailable' AS ExploitAvailable,
       payload ->> '$.DiscoveryDate' AS DiscoveryDate,
       last_modified AS LastModified,
       payload ->> '$.Status' AS Status,
       strftime('%Y-%m-%dT%H:%M:%fZ', enqueued_at / 1000.0, 'unixepoch') AS enqueued_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') AS updated_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', next_attempt_at / 1000.0, 'unixepoch') AS next_attempt_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', sent_at / 1000.0, 'unixepoch') AS sent_at,
       lease_owner,
       strftime('%Y-%m-%dT%H:%M:%fZ', lease_expires_at / 1000.0, 'unixepoch') AS lease_expires_at,
       batch_id, last_error
FROM findings;

-- Per machine: what is still to deliver, and since when (unchanged).
CREATE VIEW backlog_by_machine AS
SELECT c.machine_name,
       sum(d.state = 'pending') AS pending,
       sum(d.state = 'sending') AS sending,
       sum(d.state = 'dead') AS dead,
       unixepoch('now') - min(CASE WHEN d.state IN ('pending', 'sending') THEN c.enqueued_at END) / 1000
         AS oldest_pending_age_seconds
FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id
WHERE d.state IN ('pending', 'sending', 'dead')
GROUP BY c.machine_name;

-- Rows not yet delivered, by how long ago they were enqueued (unchanged).
CREATE VIEW pending_age_histogram AS
WITH ages AS (
  SELECT unixepoch('now') - c.enqueued_at / 1000 AS age
  FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id
  WHERE d.state IN ('pending', 'sending')
), buckets (bucket, ordinal, upper) AS (
  VALUES ('< 1 h', 1, 3600), ('< 1 d', 2, 86400), ('< 7 d', 3, 604800), ('older', 4, NULL)
)
SELECT b.bucket,
       (SELECT count(*) FROM ages
        WHERE age < coalesce(b.upper, 9223372036854775807)
          AND age >= coalesce((SELECT p.upper FROM buckets AS p WHERE p.ordinal = b.ordinal - 1), -9223372036854775807))
         AS rows
FROM buckets AS b ORDER BY b.ordinal;
