-- Gongji store, PostgreSQL dialect. Money is kept as integer fen (*_fen) so sums are exact on both stores.
CREATE TABLE load_batches (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL,
    file_name       TEXT    NOT NULL,
    file_sha256     TEXT    NOT NULL,
    row_count       INTEGER NOT NULL,
    inserted        INTEGER NOT NULL,
    replaced        INTEGER NOT NULL,
    unchanged       INTEGER NOT NULL,
    loaded_at       TIMESTAMPTZ    NOT NULL
);

CREATE TABLE households (
    household_id    TEXT PRIMARY KEY,
    region_code     TEXT NOT NULL,
    category        TEXT,
    head_certno     TEXT,
    content_hash    TEXT NOT NULL,
    batch_id        BIGINT NOT NULL
);

CREATE TABLE persons (
    psn_no          TEXT PRIMARY KEY,
    certno          TEXT,
    psn_cert_type   TEXT,
    psn_name        TEXT,
    gend            TEXT,
    brdy            DATE,
    insutype        TEXT,
    psn_type        TEXT,
    insuplc_admdvs  TEXT,
    psn_insu_stas   TEXT,
    psn_insu_date   DATE,
    household_id    TEXT,
    relation        TEXT,
    hukou_admdvs    TEXT,
    insured_since   DATE,
    content_hash    TEXT NOT NULL,
    batch_id        BIGINT NOT NULL
);
CREATE INDEX ix_persons_household ON persons (household_id);
CREATE INDEX ix_persons_insuplc ON persons (insuplc_admdvs);

CREATE TABLE identities (
    psn_no          TEXT    NOT NULL,
    idet_type       TEXT    NOT NULL,
    begntime        DATE    NOT NULL,
    endtime         DATE,
    level           INTEGER,
    illness_induced BOOLEAN NOT NULL,
    gradual_exit    BOOLEAN NOT NULL,
    raw_code        TEXT,
    source          TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    batch_id        BIGINT NOT NULL,
    PRIMARY KEY (psn_no, idet_type, begntime, source)
);

CREATE TABLE enrolments (
    psn_no          TEXT    NOT NULL,
    insutype        TEXT    NOT NULL,
    begndate        DATE    NOT NULL,
    enddate         DATE,
    subsidized      BOOLEAN NOT NULL,
    content_hash    TEXT    NOT NULL,
    batch_id        BIGINT NOT NULL,
    PRIMARY KEY (psn_no, insutype, begndate)
);

CREATE TABLE settlements (
    setl_id             TEXT PRIMARY KEY,
    psn_no              TEXT    NOT NULL,
    setl_time           TIMESTAMP    NOT NULL,
    setl_year           INTEGER NOT NULL,
    med_type            TEXT    NOT NULL,
    medfee_sumamt_fen   BIGINT NOT NULL,
    fulamt_ownpay_amt_fen BIGINT NOT NULL,
    overlmt_selfpay_fen BIGINT NOT NULL,
    preselfpay_amt_fen  BIGINT NOT NULL,
    inscp_scp_amt_fen   BIGINT NOT NULL,
    hifp_pay_fen        BIGINT NOT NULL,
    hifmi_pay_fen       BIGINT NOT NULL,
    hifob_pay_fen       BIGINT NOT NULL,
    cvlserv_pay_fen     BIGINT NOT NULL,
    hifes_pay_fen       BIGINT NOT NULL,
    hifdm_pay_fen       BIGINT NOT NULL,
    maf_pay_fen         BIGINT NOT NULL,
    oth_pay_fen         BIGINT NOT NULL,
    fund_pay_sumamt_fen BIGINT,
    psn_part_amt_fen    BIGINT,
    acct_pay_fen        BIGINT,
    psn_cash_pay_fen    BIGINT,
    refd_setl_flag      BOOLEAN NOT NULL,
    init_setl_id        TEXT,
    referral_compliant  BOOLEAN NOT NULL,
    exclusion           TEXT    NOT NULL,
    mdtrt_id            TEXT,
    certno              TEXT,
    insutype            TEXT,
    insu_admdvs         TEXT,
    fixmedins_code      TEXT,
    fixmedins_name      TEXT,
    hosp_lv             TEXT,
    begndate            DATE,
    enddate             DATE,
    dise_no             TEXT,
    dise_name           TEXT,
    content_hash        TEXT    NOT NULL,
    batch_id            BIGINT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_settlements_person ON settlements (psn_no, setl_time);
CREATE INDEX ix_settlements_year ON settlements (setl_year);
CREATE INDEX ix_settlements_init ON settlements (init_setl_id);

-- A settlement that came again with other amounts: the replaced version, kept (data.md loading rules).
CREATE TABLE settlement_history AS SELECT * FROM settlements WITH NO DATA;
ALTER TABLE settlement_history ADD COLUMN replaced_by_batch BIGINT;
CREATE INDEX ix_settlement_history_id ON settlement_history (setl_id);

CREATE TABLE aids (
    payer           TEXT    NOT NULL,
    voucher_no      TEXT    NOT NULL,
    psn_no          TEXT    NOT NULL,
    amount_fen      BIGINT NOT NULL,
    pay_date        DATE    NOT NULL,
    expense_year    INTEGER NOT NULL,
    setl_id         TEXT,
    content_hash    TEXT    NOT NULL,
    batch_id        BIGINT NOT NULL,
    PRIMARY KEY (payer, voucher_no)
);
CREATE INDEX ix_aids_person ON aids (psn_no, expense_year);

CREATE TABLE fee_details (
    setl_id             TEXT NOT NULL,
    feedetl_sn          TEXT NOT NULL,
    med_list_codg       TEXT,
    medins_list_codg    TEXT,
    med_chrgitm_type    TEXT,
    chrgitm_lv          TEXT,
    det_item_fee_sumamt_fen BIGINT NOT NULL,
    cnt                 TEXT,
    pric_fen            BIGINT,
    fulamt_ownpay_amt_fen BIGINT NOT NULL,
    preselfpay_amt_fen  BIGINT NOT NULL,
    inscp_scp_amt_fen   BIGINT NOT NULL,
    content_hash        TEXT NOT NULL,
    batch_id            BIGINT NOT NULL,
    PRIMARY KEY (setl_id, feedetl_sn)
);

-- Raw provincial identity codes and the identity type each stands for (data.md: configurable mapping).
CREATE TABLE identity_code_map (
    raw_code        TEXT PRIMARY KEY,
    idet_type       TEXT NOT NULL,
    level           INTEGER,
    illness_induced BOOLEAN NOT NULL DEFAULT FALSE,
    note            TEXT,
    content_hash    TEXT NOT NULL,
    batch_id        BIGINT NOT NULL
);

CREATE TABLE runs (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region              TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    inputs_fingerprint  TEXT    NOT NULL,
    parameter_version   TEXT    NOT NULL,
    parameters_json     JSONB    NOT NULL,
    last_batch_id       BIGINT NOT NULL,
    started_at          TIMESTAMPTZ    NOT NULL,
    finished_at         TIMESTAMPTZ    NOT NULL,
    summary_json        JSONB    NOT NULL
);
