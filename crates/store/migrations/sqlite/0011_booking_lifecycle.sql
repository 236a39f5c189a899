-- Booking lifecycle: holds, approval, cancellation policy, check-in and
-- no-shows, bookings on behalf of an organisation, access rules.
-- Blocking statuses (counted by the collision query under the tree lock):
-- confirmed, pending, and held while held_until is in the future.
-- The others (cancelled, expired, refused, no_show) free the slot.

ALTER TABLE resources ADD COLUMN hold_minutes BIGINT NOT NULL DEFAULT 15;
ALTER TABLE resources ADD COLUMN needs_approval BIGINT NOT NULL DEFAULT 0;   -- 0/1; a venue always needs it
ALTER TABLE resources ADD COLUMN cancel_deadline_hours BIGINT;               -- NULL: free cancellation until the start
ALTER TABLE resources ADD COLUMN late_cancel_fee_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE resources ADD COLUMN no_show_grace_minutes BIGINT;               -- NULL: never released automatically
ALTER TABLE resources ADD COLUMN access TEXT NOT NULL DEFAULT 'public';      -- public | members | residents
ALTER TABLE resources ADD COLUMN training TEXT;                              -- code of the training a booker must hold

ALTER TABLE bookings ADD COLUMN held_until BIGINT;                           -- status held: blocks until then
ALTER TABLE bookings ADD COLUMN cancellation_fee_cents BIGINT;               -- set when cancelled after the deadline
ALTER TABLE bookings ADD COLUMN checked_in_at BIGINT;
ALTER TABLE bookings ADD COLUMN organisation_id BIGINT REFERENCES atlas_records(id);
ALTER TABLE bookings ADD COLUMN decided_by BIGINT REFERENCES users(id);      -- who approved or refused
-- The jobs look for lapsed holds and for bookings past their start.
CREATE INDEX bookings_status_start ON bookings(status, starts_at);

CREATE TABLE place_memberships (
    id              INTEGER PRIMARY KEY,
    place_id        BIGINT NOT NULL REFERENCES atlas_records(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL,                -- member | resident
    organisation_id BIGINT REFERENCES atlas_records(id),
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT,                       -- NULL: open-ended
    created_at      BIGINT NOT NULL
);
CREATE INDEX place_memberships_user ON place_memberships(place_id, user_id);

CREATE TABLE trainings_held (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    place_id   BIGINT NOT NULL REFERENCES atlas_records(id),
    training   TEXT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    granted_at BIGINT NOT NULL,
    UNIQUE (user_id, place_id, training)
);
