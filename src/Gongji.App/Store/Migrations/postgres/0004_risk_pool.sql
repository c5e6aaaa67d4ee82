-- 因病致贫返贫风险潜在对象库: who entered the pool for an expense year, when and why, and when they left.
CREATE TABLE risk_pool (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region          TEXT    NOT NULL,
    year            INTEGER NOT NULL,
    psn_no          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    monitoring_group TEXT   NOT NULL,
    base_fen        BIGINT NOT NULL,
    line_fen        BIGINT NOT NULL,
    entered_at      TIMESTAMPTZ    NOT NULL,
    entered_run     BIGINT NOT NULL,
    exited_at       TIMESTAMPTZ,
    exited_run      BIGINT,
    exit_reason     TEXT
);
CREATE INDEX ix_risk_pool_open ON risk_pool (region, year, psn_no);
