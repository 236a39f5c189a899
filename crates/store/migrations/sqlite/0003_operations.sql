-- Operations: bookable resources of a place, in a tree, and their bookings.
-- No overlap on a resource or between a resource and its ancestors or
-- descendants: every booking of a tree first locks the tree's root row
-- (PostgreSQL: SELECT … FOR UPDATE; SQLite: the single writer), then checks
-- and inserts in the same transaction.

CREATE TABLE resources (
    id             INTEGER PRIMARY KEY,
    place_id       BIGINT NOT NULL REFERENCES atlas_records(id),
    parent_id      BIGINT REFERENCES resources(id),
    root_id        BIGINT,                      -- the venue at the top of the tree (itself for a root)
    path           TEXT NOT NULL DEFAULT '',    -- /root/…/id/ : ancestors are prefixes
    kind           TEXT NOT NULL,               -- venue | zone | room | desk | machine
    name           TEXT NOT NULL,
    capacity       BIGINT,
    opening_hours  TEXT,                        -- OSM syntax; NULL: always bookable
    min_minutes    BIGINT NOT NULL DEFAULT 15,
    max_minutes    BIGINT,
    advance_days   BIGINT,
    buffer_minutes BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);
CREATE INDEX resources_place ON resources(place_id);
CREATE INDEX resources_root ON resources(root_id);

CREATE TABLE bookings (
    id          INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    root_id     BIGINT NOT NULL,                -- copied from the resource: one lock per tree
    user_id     BIGINT REFERENCES users(id),
    starts_at   BIGINT NOT NULL,                -- UTC microseconds, [starts_at, ends_at)
    ends_at     BIGINT NOT NULL,
    status      TEXT NOT NULL,                  -- confirmed | cancelled
    created_at  BIGINT NOT NULL,
    cancelled_at BIGINT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX bookings_tree ON bookings(root_id, status, starts_at);
CREATE INDEX bookings_user ON bookings(user_id);
