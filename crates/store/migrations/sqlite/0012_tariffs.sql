-- Tariffs, membership plans, prepaid packs, credits and what each booking
-- was charged. A person's credit balance at a place is one row per unit
-- (minutes, cents): a debit locks that row (PostgreSQL: SELECT … FOR UPDATE;
-- SQLite: the single writer), re-reads it and never takes it below zero
-- (the CHECK is the last line of defence). The ledger keeps every movement.

CREATE TABLE tariffs (
    id          INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    audience    TEXT NOT NULL,                  -- public | member | resident | association | company | public_body | under_26
    unit        TEXT NOT NULL,                  -- hour | half_day | day
    unit_cents  BIGINT NOT NULL,                -- before VAT
    vat_bp      BIGINT NOT NULL,
    CHECK (unit_cents >= 0),
    UNIQUE (resource_id, audience, unit)
);

CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    place_id      BIGINT NOT NULL REFERENCES atlas_records(id),
    kind          TEXT NOT NULL,                -- membership (monthly) | pack (once)
    name          TEXT NOT NULL,
    fee_cents     BIGINT NOT NULL,              -- per month for a membership, once for a pack; before VAT
    vat_bp        BIGINT NOT NULL,
    credit_unit   TEXT NOT NULL,                -- minutes | cents
    credit_amount BIGINT NOT NULL,              -- per month for a membership
    created_at    BIGINT NOT NULL,
    CHECK (fee_cents >= 0 AND credit_amount >= 0)
);
CREATE INDEX plans_place ON plans(place_id);

CREATE TABLE subscriptions (
    id          INTEGER PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    place_id    BIGINT NOT NULL REFERENCES atlas_records(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    first_month BIGINT NOT NULL,                -- yyyymm in the place's time zone
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    UNIQUE (plan_id, user_id)
);
CREATE INDEX subscriptions_user ON subscriptions(user_id, place_id);

CREATE TABLE credit_balances (
    user_id  BIGINT NOT NULL REFERENCES users(id),
    place_id BIGINT NOT NULL REFERENCES atlas_records(id),
    unit     TEXT NOT NULL,                     -- minutes | cents
    balance  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, place_id, unit),
    CHECK (balance >= 0)
);

CREATE TABLE credit_ledger (
    id              INTEGER PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    place_id        BIGINT NOT NULL REFERENCES atlas_records(id),
    unit            TEXT NOT NULL,
    delta           BIGINT NOT NULL,
    reason          TEXT NOT NULL,              -- monthly_grant | pack | booking
    booking_id      BIGINT REFERENCES bookings(id),
    plan_id         BIGINT REFERENCES plans(id),
    subscription_id BIGINT REFERENCES subscriptions(id),
    month           BIGINT,                     -- yyyymm of a monthly grant
    created_at      BIGINT NOT NULL
);
CREATE INDEX credit_ledger_user ON credit_ledger(user_id, place_id);
-- One grant per subscription and month, however many requests ask at once.
CREATE UNIQUE INDEX credit_ledger_grant_once ON credit_ledger(subscription_id, month);

CREATE TABLE booking_charges (
    booking_id   BIGINT PRIMARY KEY REFERENCES bookings(id),
    audience     TEXT NOT NULL,
    lines        TEXT NOT NULL,                 -- JSON [{label, quantity, unit_cents, vat_bp}]
    net_cents    BIGINT NOT NULL,
    vat_cents    BIGINT NOT NULL,
    gross_cents  BIGINT NOT NULL,
    minutes_used BIGINT NOT NULL,
    cents_used   BIGINT NOT NULL,
    due_cents    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
