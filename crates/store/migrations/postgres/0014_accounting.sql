-- Accounting periods: a month of a place, once closed, is final. The
-- triggers below refuse any invoice or credit note written into it, and any
-- change or removal of one dated in it, whoever writes the SQL; a closed
-- period itself can be neither changed nor removed (no reopening).
-- [starts_at, ends_at) are the month's bounds in Paris time, in UTC
-- microseconds, so the triggers need no time-zone arithmetic.
-- SQLSTATE MA001 is ours: the store reads it as a conflict.

CREATE TABLE accounting_periods (
    place_id  BIGINT NOT NULL REFERENCES atlas_records(id),
    period    TEXT NOT NULL,                   -- YYYY-MM
    starts_at BIGINT NOT NULL,
    ends_at   BIGINT NOT NULL,
    closed_at BIGINT NOT NULL,
    PRIMARY KEY (place_id, period)
);

CREATE FUNCTION invoices_closed_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM accounting_periods p WHERE p.place_id = OLD.place_id
        AND OLD.issued_at >= p.starts_at AND OLD.issued_at < p.ends_at) THEN
        RAISE EXCEPTION 'accounting period closed: its invoices cannot change or be removed' USING ERRCODE = 'MA001';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM accounting_periods p WHERE p.place_id = NEW.place_id
        AND NEW.issued_at >= p.starts_at AND NEW.issued_at < p.ends_at) THEN
        RAISE EXCEPTION 'accounting period closed: no invoice can be issued in it' USING ERRCODE = 'MA001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER invoices_closed_period BEFORE INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_closed_period();

-- TRUNCATE skips row triggers: refuse it once any period is closed.
CREATE FUNCTION invoices_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounting_periods) THEN
        RAISE EXCEPTION 'accounting period closed: invoices cannot be truncated' USING ERRCODE = 'MA001';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_no_truncate();

CREATE FUNCTION accounting_periods_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounting period closed: it cannot be reopened' USING ERRCODE = 'MA001';
END
$$;

CREATE TRIGGER accounting_periods_final BEFORE UPDATE OR DELETE OR TRUNCATE ON accounting_periods
    FOR EACH STATEMENT EXECUTE FUNCTION accounting_periods_final();

-- An invoice is cancelled at most once (NULLs, the invoices themselves,
-- are distinct on both backends).
CREATE UNIQUE INDEX invoices_credit_of ON invoices(credit_of);
