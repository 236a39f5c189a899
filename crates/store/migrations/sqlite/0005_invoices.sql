-- Invoices and credit notes, numbered without gaps per place and year and
-- hash-chained: the counter row of (place, year) is incremented in the
-- same transaction as the insert, so a rolled-back invoice leaves no hole
-- and two invoices never share a number.

CREATE TABLE invoice_counters (
    place_id    BIGINT NOT NULL REFERENCES atlas_records(id),
    year        BIGINT NOT NULL,
    last_number BIGINT NOT NULL DEFAULT 0,
    last_hash   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (place_id, year)
);

CREATE TABLE invoices (
    id          INTEGER PRIMARY KEY,
    place_id    BIGINT NOT NULL REFERENCES atlas_records(id),
    year        BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    kind        TEXT NOT NULL,                 -- invoice | credit_note
    customer    TEXT NOT NULL,
    lines       TEXT NOT NULL,                 -- JSON [{label, quantity, unit_cents, vat_bp}]
    net_cents   BIGINT NOT NULL,
    vat_cents   BIGINT NOT NULL,
    gross_cents BIGINT NOT NULL,
    credit_of   BIGINT REFERENCES invoices(id),
    issued_at   BIGINT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (place_id, year, number)
);
