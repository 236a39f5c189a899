-- Events and programmes with registrations. Seats are counted under a lock
-- on the event row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the single
-- writer), so there are never more seats given than the capacity.

CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    place_id       BIGINT REFERENCES atlas_records(id),
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL,               -- workshop | hackathon | bootcamp | conference | training | open-day | exhibition | open-data
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    capacity       BIGINT NOT NULL,
    min_age        BIGINT,
    max_age        BIGINT,
    hold_minutes   BIGINT NOT NULL DEFAULT 60,  -- how long a freed seat is offered to the next on the waitlist
    created_by     BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (capacity >= 0)
);
CREATE INDEX events_place ON events(place_id, starts_at);

CREATE TABLE registrations (
    id            INTEGER PRIMARY KEY,
    event_id      BIGINT NOT NULL REFERENCES events(id),
    user_id       BIGINT REFERENCES users(id),
    participant   TEXT NOT NULL,                -- the person attending (the user, or a child they register)
    birth_date    TEXT,                         -- YYYY-MM-DD, for age ranges and minors' consent
    guardian_email TEXT,
    status        TEXT NOT NULL,                -- confirmed | consent | offered | waitlisted | cancelled
    seat          BIGINT NOT NULL DEFAULT 0,    -- 1 while it holds a seat (confirmed, consent, offered)
    offered_until BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX registrations_event ON registrations(event_id, status, id);
CREATE INDEX registrations_user ON registrations(user_id);
