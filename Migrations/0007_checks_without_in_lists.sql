-- cvebuster-outbox schema, version 7: the same CHECK constraints, spelt so that checking them
-- costs a few comparisons instead of two temporary B-trees per row.
--
-- SQLite (3.40) evaluates `x IN ('a', 'b', 'c')` with three or more constants by building a
-- temporary index of the constants, and a CHECK constraint runs on every row inserted or
-- updated: each `finding_delivery` row an enqueue inserts, a drain claims or a drain settles
-- built and freed two of them (state, dead_reason). That was about a third of the SQLite time
-- of a claim and half of an acknowledgement. `x = 'a' OR x = 'b' OR x = 'c'` accepts exactly
-- the same values (NULL stays allowed where it was) and is checked by comparisons.
--
-- Only the text of the CHECK clauses changes, so the tables are not rebuilt: this is SQLite's
-- documented way to change constraints that existing rows already satisfy (writable_schema;
-- the migration runner lifts defensive mode for migrations only). The schema is read again
-- before the transaction ends, and a DDL statement moves the schema cookie on so that every
-- other open connection reads it again too.

PRAGMA writable_schema = ON;

UPDATE sqlite_schema
SET sql = replace(replace(sql,
    'CHECK (state IN (''pending'', ''sending'', ''sent'', ''dead''))',
    'CHECK (state = ''pending'' OR state = ''sending'' OR state = ''sent'' OR state = ''dead'')'),
    'CHECK (dead_reason IN (''rejected_by_service'', ''too_large'', ''invalid_content''))',
    'CHECK (dead_reason = ''rejected_by_service'' OR dead_reason = ''too_large'' OR dead_reason = ''invalid_content'')')
WHERE type = 'table' AND name IN ('finding_delivery', 'delivery_counts');

UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (outcome IN (''delivered'', ''retry'', ''rejected'', ''split'', ''config_error''))',
    'CHECK (outcome = ''delivered'' OR outcome = ''retry'' OR outcome = ''rejected'' OR outcome = ''split'' OR outcome = ''config_error'')')
WHERE type = 'table' AND name = 'batches';

PRAGMA writable_schema = RESET;

-- Moves the schema cookie on: other connections see a changed schema and parse it again.
CREATE TABLE schema_cookie_bump (x INTEGER) STRICT;
DROP TABLE schema_cookie_bump;
