-- Events as programmes: what an event says about itself, ticket categories
-- sharing the event's capacity, sessions with attendance, a questionnaire,
-- check-in codes and session reminders. Every seat still changes under the
-- event's lock (0004), categories included.

ALTER TABLE events ADD COLUMN online BIGINT NOT NULL DEFAULT 0;   -- 1: online, else at the place
ALTER TABLE events ADD COLUMN language TEXT;                      -- BCP 47 code, e.g. fr
ALTER TABLE events ADD COLUMN accessibility TEXT;
ALTER TABLE events ADD COLUMN description TEXT;

-- All categories of an event share its capacity; a quota caps one further.
CREATE TABLE ticket_categories (
    id          INTEGER PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES events(id),
    name        TEXT NOT NULL,
    price_cents BIGINT NOT NULL,
    vat_bp      BIGINT NOT NULL,
    quota       BIGINT,
    CHECK (price_cents >= 0),
    CHECK (vat_bp >= 0),
    CHECK (quota IS NULL OR quota >= 0)
);
CREATE INDEX ticket_categories_event ON ticket_categories(event_id, id);

ALTER TABLE registrations ADD COLUMN category_id BIGINT REFERENCES ticket_categories(id);
-- Unguessable; what the ticket's QR code carries.
ALTER TABLE registrations ADD COLUMN checkin_code TEXT;
CREATE UNIQUE INDEX registrations_checkin_code ON registrations(checkin_code);
CREATE INDEX registrations_category ON registrations(category_id, status);

-- Every event has at least one session; a programme has several, all
-- covered by one registration.
CREATE TABLE event_sessions (
    id        INTEGER PRIMARY KEY,
    event_id  BIGINT NOT NULL REFERENCES events(id),
    starts_at BIGINT NOT NULL,
    ends_at   BIGINT NOT NULL,
    title     TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX event_sessions_event ON event_sessions(event_id, starts_at);
CREATE INDEX event_sessions_start ON event_sessions(starts_at);
INSERT INTO event_sessions (event_id, starts_at, ends_at, title)
    SELECT id, starts_at, ends_at, title FROM events;

CREATE TABLE attendance (
    registration_id BIGINT NOT NULL REFERENCES registrations(id),
    session_id      BIGINT NOT NULL REFERENCES event_sessions(id),
    present         BIGINT NOT NULL,              -- 1 present, 0 absent
    marked_by       BIGINT REFERENCES users(id),
    marked_at       BIGINT NOT NULL,
    PRIMARY KEY (registration_id, session_id)
);

CREATE TABLE event_questions (
    id        INTEGER PRIMARY KEY,
    event_id  BIGINT NOT NULL REFERENCES events(id),
    position  BIGINT NOT NULL,
    text      TEXT NOT NULL,
    kind      TEXT NOT NULL,                      -- text | choice | yes_no
    required  BIGINT NOT NULL,                    -- 0/1
    choices   TEXT NOT NULL DEFAULT ''            -- one per line, for kind choice
);
CREATE INDEX event_questions_event ON event_questions(event_id, position);

CREATE TABLE registration_answers (
    registration_id BIGINT NOT NULL REFERENCES registrations(id),
    question_id     BIGINT NOT NULL REFERENCES event_questions(id),
    answer          TEXT NOT NULL,
    PRIMARY KEY (registration_id, question_id)
);

-- One reminder per registration and session, whatever the number of workers.
CREATE TABLE session_reminders (
    registration_id BIGINT NOT NULL REFERENCES registrations(id),
    session_id      BIGINT NOT NULL REFERENCES event_sessions(id),
    sent_at         BIGINT NOT NULL,
    PRIMARY KEY (registration_id, session_id)
);
