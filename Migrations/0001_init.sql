-- cvebuster-outbox schema, version 1.
-- Times are INTEGER milliseconds since the Unix epoch (UTC); the views show them as ISO-8601.

-- One row per finding natural key (VulnId + MachineName + LastModified).
CREATE TABLE findings (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
  vuln_id          TEXT    NOT NULL,
  machine_name     TEXT    NOT NULL,
  last_modified    TEXT    NOT NULL,                   -- canonical ISO-8601 UTC, as in payload
  payload          TEXT,                               -- canonical JSON row; NULL once compacted by prune
  content_hash     BLOB    NOT NULL,                   -- SHA-256 of payload
  revision         INTEGER NOT NULL DEFAULT 1,         -- +1 each time the content changes
  state            TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,         -- counted when a drain claims the row
  next_attempt_at  INTEGER NOT NULL,                   -- not claimed before this time
  lease_owner      TEXT,                               -- drain holding the row while 'sending'
  lease_expires_at INTEGER,
  enqueued_at      INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  sent_at          INTEGER,
  batch_id         INTEGER,                            -- batches.id of the request that settled it
  last_error       TEXT,
  UNIQUE (vuln_id, machine_name, last_modified),
  CHECK ((state = 'sending') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
) STRICT;

-- Next ready rows: WHERE state = 'pending' AND next_attempt_at <= now ORDER BY next_attempt_at, id.
CREATE INDEX findings_ready ON findings (next_attempt_at, id) WHERE state = 'pending';
-- Expired or orphaned leases: WHERE state = 'sending' AND lease_expires_at <= now.
CREATE INDEX findings_leases ON findings (lease_expires_at, lease_owner) WHERE state = 'sending';
-- Retention (prune) and "last sent" in status.
CREATE INDEX findings_sent ON findings (sent_at) WHERE state = 'sent';
CREATE INDEX findings_dead ON findings (updated_at) WHERE state = 'dead';

-- One row per HTTP request a drain made.
CREATE TABLE batches (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  client_request_id TEXT    NOT NULL,   -- x-ms-client-request-id we sent
  request_id        TEXT,               -- x-ms-request-id the service answered with
  lease_owner       TEXT    NOT NULL,
  rows              INTEGER NOT NULL,
  raw_bytes         INTEGER NOT NULL,   -- JSON body before compression
  wire_bytes        INTEGER NOT NULL,   -- body as sent
  http_status       INTEGER,            -- NULL when no response arrived
  outcome           TEXT    NOT NULL
                    CHECK (outcome IN ('delivered', 'retry', 'rejected', 'split', 'config_error')),
  error             TEXT,
  started_at        INTEGER NOT NULL,
  finished_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX batches_finished ON batches (finished_at);

-- For people at a sqlite3 prompt: counts and oldest row per state.
CREATE VIEW outbox_summary AS
SELECT state,
       count(*) AS rows,
       strftime('%Y-%m-%dT%H:%M:%fZ', min(enqueued_at) / 1000.0, 'unixepoch') AS oldest_enqueued_at,
       unixepoch('now') - min(enqueued_at) / 1000 AS oldest_age_seconds
FROM findings
GROUP BY state;

-- Findings with their stream columns read out of the payload, beside their delivery state.
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

-- Requests with readable times and duration.
CREATE VIEW batches_detail AS
SELECT id, client_request_id, request_id, rows, raw_bytes, wire_bytes, http_status, outcome, error,
       strftime('%Y-%m-%dT%H:%M:%fZ', started_at / 1000.0, 'unixepoch') AS started_at,
       finished_at - started_at AS duration_ms
FROM batches;
