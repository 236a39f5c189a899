-- Atlas: golden records resolved from source records and hand edits, with
-- field-level provenance; links, key figures, import runs, duplicates,
-- merges; and the change outbox that search indexes tail.

CREATE TABLE atlas_records (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,               -- place | organisation | service
    name          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}',  -- resolved fields, JSON object
    provenance    TEXT NOT NULL DEFAULT '{}',  -- field -> [{source, source_id, fetched_at, fingerprint}]
    conflicts     TEXT NOT NULL DEFAULT '[]',  -- hand edits overtaken by a changed source
    commune_insee TEXT,
    departement   TEXT,
    region        TEXT,
    epci          TEXT,
    pivot         TEXT,                        -- SIRET or RNA, for duplicate detection
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    synthetic     BIGINT NOT NULL DEFAULT 0,   -- 1: generated for the demo or a benchmark
    quality       BIGINT NOT NULL DEFAULT 0,   -- 0..100
    dedup_pending BIGINT NOT NULL DEFAULT 1,   -- 1: not yet compared with possible duplicates
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    verified_at   BIGINT,
    retired_at    BIGINT,                      -- every source dropped it
    merged_into   BIGINT REFERENCES atlas_records(id)
);
CREATE INDEX atlas_records_kind ON atlas_records(kind, id);
CREATE INDEX atlas_records_commune ON atlas_records(commune_insee);
CREATE INDEX atlas_records_dedup ON atlas_records(dedup_pending);
CREATE INDEX atlas_records_geo ON atlas_records(kind, lat);
CREATE INDEX atlas_records_pivot ON atlas_records(pivot);

CREATE TABLE atlas_sources (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    record_id   BIGINT NOT NULL REFERENCES atlas_records(id),
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,                 -- the source's fields, mapped to ours, JSON object
    fingerprint TEXT NOT NULL,
    observed_at BIGINT,                        -- the source's own update date
    fetched_at  BIGINT NOT NULL,
    last_run    BIGINT,
    verified_at BIGINT,
    retired_at  BIGINT,
    UNIQUE (source, source_id)
);
CREATE INDEX atlas_sources_record ON atlas_sources(record_id);
CREATE INDEX atlas_sources_run ON atlas_sources(source, last_run);

CREATE TABLE atlas_edits (
    record_id  BIGINT NOT NULL REFERENCES atlas_records(id),
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,                  -- JSON value
    base       TEXT,                           -- fingerprint of the sources' value when edited
    edited_by  BIGINT,
    edited_at  BIGINT NOT NULL,
    PRIMARY KEY (record_id, field)
);

CREATE TABLE atlas_links (
    id        INTEGER PRIMARY KEY,
    from_id   BIGINT NOT NULL REFERENCES atlas_records(id),
    to_id     BIGINT NOT NULL REFERENCES atlas_records(id),
    link_type TEXT NOT NULL,
    since     TEXT,
    until     TEXT,
    source    TEXT NOT NULL DEFAULT 'manual',
    UNIQUE (from_id, to_id, link_type)
);
CREATE INDEX atlas_links_to ON atlas_links(to_id);

CREATE TABLE atlas_key_figures (
    record_id BIGINT NOT NULL REFERENCES atlas_records(id),
    year      BIGINT NOT NULL,
    metric    TEXT NOT NULL,                   -- surface_m2 | residents | partners | projects | events | visitors
    value     BIGINT NOT NULL,
    source    TEXT NOT NULL DEFAULT 'manual',
    PRIMARY KEY (record_id, year, metric)
);

CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    status      TEXT NOT NULL,                 -- running | done | interrupted | failed
    read_rows   BIGINT NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    retired     BIGINT NOT NULL DEFAULT 0,
    rejected    BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,       -- rows outside the territory
    merged      BIGINT NOT NULL DEFAULT 0,
    queued      BIGINT NOT NULL DEFAULT 0,
    actor       TEXT NOT NULL
);

-- Rows an import refused, with their line and reason (shown in the UI,
-- written to the rejects file by the command line).
CREATE TABLE import_rejects (
    id        INTEGER PRIMARY KEY,
    run_id    BIGINT NOT NULL REFERENCES import_runs(id),
    line      BIGINT NOT NULL,
    field     TEXT,
    reason    TEXT NOT NULL,
    raw       TEXT NOT NULL                    -- the row's columns, JSON object
);
CREATE INDEX import_rejects_run ON import_rejects(run_id, line);

-- Files uploaded from the web UI, waiting for (or kept after) their import job.
CREATE TABLE import_uploads (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    mapping    TEXT NOT NULL,
    filename   TEXT NOT NULL,
    content    BLOB NOT NULL,
    run_id     BIGINT REFERENCES import_runs(id),
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE dedup_candidates (
    id         INTEGER PRIMARY KEY,
    a_id       BIGINT NOT NULL REFERENCES atlas_records(id),
    b_id       BIGINT NOT NULL REFERENCES atlas_records(id),
    score      DOUBLE PRECISION NOT NULL,
    reasons    TEXT NOT NULL,
    status     TEXT NOT NULL,                  -- pending | merged | distinct
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT,
    UNIQUE (a_id, b_id)
);
CREATE INDEX dedup_candidates_status ON dedup_candidates(status, score);

CREATE TABLE atlas_merges (
    id            INTEGER PRIMARY KEY,
    survivor_id   BIGINT NOT NULL REFERENCES atlas_records(id),
    merged_id     BIGINT NOT NULL REFERENCES atlas_records(id),
    moved         TEXT NOT NULL,               -- JSON: ids of moved sources, links, and moved edits and figures
    automatic     BIGINT NOT NULL,
    merged_at     BIGINT NOT NULL,
    merged_by     BIGINT,
    undone_at     BIGINT
);

CREATE TABLE change_outbox (
    id        INTEGER PRIMARY KEY,
    record_id BIGINT NOT NULL,
    at        BIGINT NOT NULL
);

-- Single-use links about one record (a manager confirming it is up to date).
ALTER TABLE one_time_tokens ADD COLUMN subject BIGINT;
