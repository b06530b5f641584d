-- cvebuster-outbox schema, version 3: the endpoint's recent failures, why rows are dead, and
-- the views an operator asks for.
--
-- Until version 2 every failed request spent an attempt of each row in it, and a row out of
-- attempts went `dead`: an outage of a few hours dead-lettered the whole backlog. From version 3
-- only a verdict about a row's own content makes it dead (a 400 isolated to it by bisection, or
-- too large to send alone). Outages are remembered per endpoint in `endpoint_state`, so a drain
-- that starts during one sends a single probe instead of churning rows.

-- One row per ingestion URL (DCE + DCR + stream): what the last requests to it met.
CREATE TABLE endpoint_state (
  endpoint             TEXT    PRIMARY KEY,          -- the ingestion URL, without query string
  consecutive_failures INTEGER NOT NULL DEFAULT 0,   -- transient failures since the last success
  failing_since        INTEGER,                      -- first failure of the current run of failures
  last_error           TEXT,
  next_try_at          INTEGER NOT NULL DEFAULT 0,   -- no request before this (backoff or Retry-After)
  last_success_at      INTEGER,
  max_body_bytes       INTEGER,                      -- learned from a 413, until learned_at + 1 day
  learned_at           INTEGER,
  updated_at           INTEGER NOT NULL
) STRICT;

-- Why a dead row is dead, as a code operators can group on (last_error keeps the message).
ALTER TABLE finding_delivery ADD COLUMN dead_reason TEXT
  CHECK (dead_reason IN ('rejected_by_service', 'too_large', 'invalid_content'));

-- How many times libcurl put a request on the wire (it resends after a reset on a reused
-- connection): every transmission the service may have seen is accounted for.
ALTER TABLE batches ADD COLUMN transmissions INTEGER NOT NULL DEFAULT 1;

-- Rows version 2 dead-lettered for running out of attempts were never judged by their content:
-- they go back to pending, attempts kept, to be delivered like any other.
UPDATE finding_delivery
SET state = 'pending', next_attempt_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
    last_error = 'revived by migration 3: ' || last_error, updated_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
WHERE state = 'dead' AND last_error LIKE 'out of attempts%';
UPDATE finding_delivery
SET dead_reason = CASE WHEN last_error LIKE 'row is too large%' OR last_error LIKE 'HTTP 413%' THEN 'too_large'
                       ELSE 'rejected_by_service' END
WHERE state = 'dead';

-- Per machine: what is still to deliver, and since when.
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

-- Rows not yet delivered, by how long ago they were enqueued.
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

-- Dead rows by reason, with one of the service's messages for each.
CREATE VIEW dead_reasons AS
SELECT coalesce(dead_reason, 'rejected_by_service') AS dead_reason, count(*) AS rows, min(last_error) AS example
FROM finding_delivery WHERE state = 'dead'
GROUP BY 1;
