-- cvebuster-outbox schema, version 2: delivery state moves out of the wide row.
--
-- A drain changes each row twice (claimed, then settled). In version 1 the state lived beside
-- the ~300-byte payload, so both changes rewrote the payload and its page; a drain of 100,000
-- rows spent about 2.6 s of CPU in SQLite. Now the payload and key live in `finding_content`,
-- written by enqueue and read by drains, and the state in `finding_delivery`, about 40 bytes a
-- row, written by drains. A claim is one `leases` row (owner, expiry) plus `lease_id` and the
-- revision being sent on each claimed row, so a delivered request is acknowledged with one
-- range update per lease, no list of ids. `findings` becomes a view with exactly the columns
-- version 1's table had, so queries written against it keep working.
-- Times are INTEGER milliseconds since the Unix epoch (UTC); the views show them as ISO-8601.

-- One row per finding natural key (VulnId + MachineName + LastModified): what is sent.
CREATE TABLE finding_content (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused; finding_delivery.id
  vuln_id       TEXT    NOT NULL,
  machine_name  TEXT    NOT NULL,
  last_modified TEXT    NOT NULL,                   -- canonical ISO-8601 UTC, as in payload
  payload       TEXT,                               -- canonical JSON row; NULL once compacted by prune
  content_hash  BLOB    NOT NULL,                   -- SHA-256 of payload
  enqueued_at   INTEGER NOT NULL,
  UNIQUE (vuln_id, machine_name, last_modified)
) STRICT;

-- One row per claim: who holds the rows whose lease_id points here, and until when. A handful
-- at a time (deleted when they end), so every claim simply reads them all.
CREATE TABLE leases (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a stale lease id fences
  owner      TEXT    NOT NULL,                   -- host:pid:random of the drain
  expires_at INTEGER NOT NULL,
  claimed_at INTEGER NOT NULL
) STRICT;

-- One row per finding: where it is in the delivery life cycle.
CREATE TABLE finding_delivery (
  id              INTEGER PRIMARY KEY REFERENCES finding_content (id) ON DELETE CASCADE,
  revision        INTEGER NOT NULL DEFAULT 1,         -- +1 each time the content changes
  state           TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,         -- counted when a drain claims the row
  next_attempt_at INTEGER NOT NULL,                   -- not claimed before this time
  lease_id        INTEGER,                            -- leases.id while 'sending'
  sending_revision INTEGER,                           -- the revision in flight while 'sending'
  updated_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  batch_id        INTEGER,                            -- batches.id of the request that settled it
  last_error      TEXT,
  CHECK ((state = 'sending') = (lease_id IS NOT NULL AND sending_revision IS NOT NULL))
) STRICT;

-- Version 1's rows, their leases and their id sequence carry over unchanged.
INSERT INTO finding_content (id, vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at)
SELECT id, vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at FROM findings ORDER BY id;
INSERT INTO leases (owner, expires_at, claimed_at)
SELECT lease_owner, max(lease_expires_at), min(updated_at) FROM findings WHERE state = 'sending' GROUP BY lease_owner;
INSERT INTO finding_delivery (id, revision, state, attempts, next_attempt_at, lease_id, sending_revision, updated_at,
                              sent_at, batch_id, last_error)
SELECT f.id, f.revision, f.state, f.attempts, f.next_attempt_at, l.id, CASE WHEN l.id IS NOT NULL THEN f.revision END,
       f.updated_at, f.sent_at, f.batch_id, f.last_error
FROM findings AS f LEFT JOIN leases AS l ON l.owner = f.lease_owner AND f.state = 'sending'
ORDER BY f.id;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'finding_content', seq FROM sqlite_sequence WHERE name = 'findings'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_content');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'findings'))
WHERE name = 'finding_content';

DROP VIEW outbox_summary;
DROP VIEW findings_detail;
DROP TABLE findings;
DELETE FROM sqlite_sequence WHERE name = 'findings';

-- Next ready rows: WHERE state = 'pending' AND next_attempt_at <= now ORDER BY next_attempt_at, id.
CREATE INDEX delivery_ready ON finding_delivery (next_attempt_at, id) WHERE state = 'pending';
-- Rows of a lease (acknowledgements are fenced on it; expired leases are given back through it).
CREATE INDEX delivery_leases ON finding_delivery (lease_id) WHERE state = 'sending';
-- Retention (prune) and "last sent" in status.
CREATE INDEX delivery_sent ON finding_delivery (sent_at) WHERE state = 'sent';
CREATE INDEX delivery_dead ON finding_delivery (updated_at) WHERE state = 'dead';

-- Version 1's table, column for column: content, delivery state and lease in one row.
CREATE VIEW findings AS
SELECT c.id, c.vuln_id, c.machine_name, c.last_modified, c.payload, c.content_hash,
       d.revision, d.state, d.attempts, d.next_attempt_at,
       l.owner AS lease_owner, l.expires_at AS lease_expires_at,
       c.enqueued_at, d.updated_at, d.sent_at, d.batch_id, d.last_error
FROM finding_content AS c
JOIN finding_delivery AS d ON d.id = c.id
LEFT JOIN leases AS l ON l.id = d.lease_id;

-- For people at a sqlite3 prompt: counts and oldest row per state.
CREATE VIEW outbox_summary AS
SELECT d.state,
       count(*) AS rows,
       strftime('%Y-%m-%dT%H:%M:%fZ', min(c.enqueued_at) / 1000.0, 'unixepoch') AS oldest_enqueued_at,
       unixepoch('now') - min(c.enqueued_at) / 1000 AS oldest_age_seconds
FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id
GROUP BY d.state;

-- Findings with their stream columns read out of the payload, beside their delivery state.
-- (Version 1's definition, unchanged: recreated because the table it read was replaced.)
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
