-- Funds as double-entry ledgers (entries and their postings are never changed: corrections are
-- reversing entries), applications with their workflow steps and public-notice objections, and
-- payment batches with one payment per approved application.
CREATE TABLE funds (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    payer           TEXT    NOT NULL,
    workflow        TEXT    NOT NULL,
    sharing         TEXT    NOT NULL,
    fiscal_cap      TEXT,
    notice_days     INTEGER NOT NULL,
    created_at      TIMESTAMPTZ    NOT NULL
);

CREATE TABLE ledger_entries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fund_id         BIGINT NOT NULL REFERENCES funds (id),
    at              TIMESTAMPTZ    NOT NULL,
    value_date      DATE    NOT NULL,
    fund_year       INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT,
    memo            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    reverses_id     BIGINT REFERENCES ledger_entries (id),
    application_id  BIGINT,
    created_by      TEXT    NOT NULL
);
CREATE INDEX ix_ledger_entries_fund ON ledger_entries (fund_id, value_date);

CREATE TABLE ledger_postings (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id        BIGINT NOT NULL REFERENCES ledger_entries (id),
    fund_id         BIGINT NOT NULL REFERENCES funds (id),
    account         TEXT    NOT NULL,
    amount_fen      BIGINT NOT NULL
);
CREATE INDEX ix_ledger_postings_account ON ledger_postings (fund_id, account);

CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries and postings are immutable: post a reversing entry';
END $$;
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

CREATE TABLE applications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fund_id         BIGINT NOT NULL REFERENCES funds (id),
    region          TEXT    NOT NULL,
    township        TEXT,
    year            INTEGER NOT NULL,
    psn_no          TEXT,
    household_id    TEXT,
    subject         TEXT    NOT NULL UNIQUE,
    applied_on      DATE    NOT NULL,
    computed_fen    BIGINT NOT NULL,
    granted_fen     BIGINT,
    paid_fen        BIGINT NOT NULL DEFAULT 0,
    clause          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    state_since     TIMESTAMPTZ    NOT NULL,
    prepared_by     TEXT,
    notice_from     TIMESTAMPTZ,
    notice_until    TIMESTAMPTZ,
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_applications_fund ON applications (fund_id, state);

CREATE TABLE application_steps (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    at              TIMESTAMPTZ    NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    from_state      TEXT,
    to_state        TEXT    NOT NULL,
    amount_fen      BIGINT,
    note            TEXT
);
CREATE INDEX ix_application_steps_app ON application_steps (application_id);

CREATE TABLE objections (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    at              TIMESTAMPTZ    NOT NULL,
    raised_by       TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    resolved_at     TIMESTAMPTZ,
    resolved_by     TEXT,
    resolution      TEXT
);

CREATE TABLE payments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_key     TEXT    NOT NULL UNIQUE,
    batch           TEXT    NOT NULL,
    fund_id         BIGINT NOT NULL REFERENCES funds (id),
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    amount_fen      BIGINT NOT NULL,
    state           TEXT    NOT NULL,
    sent_at         TIMESTAMPTZ    NOT NULL,
    settled_at      TIMESTAMPTZ,
    bank_ref        TEXT,
    bank_message    TEXT
);
CREATE INDEX ix_payments_batch ON payments (batch);
