-- What a resource offers and when it is shut: equipment and photos, shown
-- on its pages; closures (works, holidays, private use), which refuse
-- bookings on the resource and everything below it; and training events,
-- whose attendance grants the training a machine requires.

ALTER TABLE resources ADD COLUMN equipment TEXT NOT NULL DEFAULT '[]';   -- JSON list of short labels
ALTER TABLE resources ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';      -- JSON list of https URLs

CREATE TABLE resource_closures (
    id          INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    root_id     BIGINT NOT NULL,                 -- copied from the resource: read with the tree
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX resource_closures_root ON resource_closures(root_id, starts_at);

ALTER TABLE events ADD COLUMN grants_training TEXT;                       -- attending every session grants it
