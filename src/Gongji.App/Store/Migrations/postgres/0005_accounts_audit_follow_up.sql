-- Sign-in accounts (roles by department and township), hospitals' API keys, the append-only audit
-- log, and the follow-up loop of warnings (one case per person, kind and year; every step kept).
CREATE TABLE accounts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name           TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    role                TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    township            TEXT,
    password_hash       TEXT    NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL,
    totp_secret         TEXT,
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL,
    created_by          TEXT    NOT NULL
);

CREATE TABLE hospital_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hospital    TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    key_prefix  TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT,
    address     TEXT
);
CREATE INDEX ix_audit_log_at ON audit_log (at);
-- The log is evidence: the application can add to it, never change or remove a line.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE warning_cases (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region           TEXT    NOT NULL,
    year             INTEGER NOT NULL,
    psn_no           TEXT    NOT NULL,
    household_id     TEXT,
    township         TEXT,
    kind             TEXT    NOT NULL,
    monitoring_group TEXT    NOT NULL,
    base_fen         BIGINT,
    line_fen         BIGINT,
    clause           TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    assignee         TEXT,
    finding          TEXT,
    raised_at        TIMESTAMPTZ NOT NULL,
    state_since      TIMESTAMPTZ NOT NULL,
    due_at           TIMESTAMPTZ,
    run_id           BIGINT NOT NULL,
    UNIQUE (region, year, psn_no, kind)
);
CREATE INDEX ix_warning_cases_state ON warning_cases (region, year, state);

CREATE TABLE warning_steps (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES warning_cases (id),
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    assignee    TEXT,
    finding     TEXT,
    note        TEXT
);
CREATE INDEX ix_warning_steps_case ON warning_steps (case_id);

-- The hospitals' identity flag looks people up by ID number.
CREATE INDEX ix_persons_certno ON persons (certno);
