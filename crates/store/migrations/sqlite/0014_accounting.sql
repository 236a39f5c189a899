-- Accounting periods: a month of a place, once closed, is final. The
-- triggers below refuse any invoice or credit note written into it, and any
-- change or removal of one dated in it, whoever writes the SQL; a closed
-- period itself can be neither changed nor removed (no reopening).
-- [starts_at, ends_at) are the month's bounds in Paris time, in UTC
-- microseconds, so the triggers need no time-zone arithmetic.

CREATE TABLE accounting_periods (
    place_id  BIGINT NOT NULL REFERENCES atlas_records(id),
    period    TEXT NOT NULL,                   -- YYYY-MM
    starts_at BIGINT NOT NULL,
    ends_at   BIGINT NOT NULL,
    closed_at BIGINT NOT NULL,
    PRIMARY KEY (place_id, period)
);

CREATE TRIGGER invoices_closed_period_insert BEFORE INSERT ON invoices
WHEN EXISTS (SELECT 1 FROM accounting_periods p WHERE p.place_id = NEW.place_id
             AND NEW.issued_at >= p.starts_at AND NEW.issued_at < p.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'accounting period closed: no invoice can be issued in it');
END;

CREATE TRIGGER invoices_closed_period_update BEFORE UPDATE ON invoices
WHEN EXISTS (SELECT 1 FROM accounting_periods p WHERE p.place_id = OLD.place_id
             AND OLD.issued_at >= p.starts_at AND OLD.issued_at < p.ends_at)
  OR EXISTS (SELECT 1 FROM accounting_periods p WHERE p.place_id = NEW.place_id
             AND NEW.issued_at >= p.starts_at AND NEW.issued_at < p.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'accounting period closed: its invoices cannot change');
END;

CREATE TRIGGER invoices_closed_period_delete BEFORE DELETE ON invoices
WHEN EXISTS (SELECT 1 FROM accounting_periods p WHERE p.place_id = OLD.place_id
             AND OLD.issued_at >= p.starts_at AND OLD.issued_at < p.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'accounting period closed: its invoices cannot be removed');
END;

CREATE TRIGGER accounting_periods_final_update BEFORE UPDATE ON accounting_periods
BEGIN
    SELECT RAISE(ABORT, 'accounting period closed: it cannot be reopened');
END;

CREATE TRIGGER accounting_periods_final_delete BEFORE DELETE ON accounting_periods
BEGIN
    SELECT RAISE(ABORT, 'accounting period closed: it cannot be reopened');
END;

-- An invoice is cancelled at most once (NULLs, the invoices themselves,
-- are distinct on both backends).
CREATE UNIQUE INDEX invoices_credit_of ON invoices(credit_of);
