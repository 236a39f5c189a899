-- Audit entries waiting to be chained. A write transaction appends its
-- entry here, which takes no shared lock; the sealer (every server, in the
-- background, and every reader of the log first) moves pending entries into
-- audit_log in id order, numbering and hashing them under the audit_head
-- lock, many per transaction. Appending under that lock in every write
-- made all writes of all places queue behind one row and one WAL flush
-- each on PostgreSQL.
CREATE TABLE audit_pending (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    summary     TEXT NOT NULL
);
