-- Gongji store, SQLite dialect. Money is kept as integer fen (*_fen) so sums are exact on both stores.
CREATE TABLE load_batches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    file_name       TEXT    NOT NULL,
    file_sha256     TEXT    NOT NULL,
    row_count       INTEGER NOT NULL,
    inserted        INTEGER NOT NULL,
    replaced        INTEGER NOT NULL,
    unchanged       INTEGER NOT NULL,
    loaded_at       TEXT    NOT NULL
);

CREATE TABLE households (
    household_id    TEXT PRIMARY KEY,
    region_code     TEXT NOT NULL,
    category        TEXT,
    head_certno     TEXT,
    content_hash    TEXT NOT NULL,
    batch_id        INTEGER NOT NULL
);

CREATE TABLE persons (
    psn_no          TEXT PRIMARY KEY,
    certno          TEXT,
    psn_cert_type   TEXT,
    psn_name        TEXT,
    gend            TEXT,
    brdy            TEXT,
    insutype        TEXT,
    psn_type        TEXT,
    insuplc_admdvs  TEXT,
    psn_insu_stas   TEXT,
    psn_insu_date   TEXT,
    household_id    TEXT,
    relation        TEXT,
    hukou_admdvs    TEXT,
    insured_since   TEXT,
    content_hash    TEXT NOT NULL,
    batch_id        INTEGER NOT NULL
);
CREATE INDEX ix_persons_household ON persons (household_id);
CREATE INDEX ix_persons_insuplc ON persons (insuplc_admdvs);

CREATE TABLE identities (
    psn_no          TEXT    NOT NULL,
    idet_type       TEXT    NOT NULL,
    begntime        TEXT    NOT NULL,
    endtime         TEXT,
    level           INTEGER,
    illness_induced INTEGER NOT NULL,
    gradual_exit    INTEGER NOT NULL,
    raw_code        TEXT,
    source          TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    batch_id        INTEGER NOT NULL,
    PRIMARY KEY (psn_no, idet_type, begntime, source)
);

CREATE TABLE enrolments (
    psn_no          TEXT    NOT NULL,
    insutype        TEXT    NOT NULL,
    begndate        TEXT    NOT NULL,
    enddate         TEXT,
    subsidized      INTEGER NOT NULL,
    content_hash    TEXT    NOT NULL,
    batch_id        INTEGER NOT NULL,
    PRIMARY KEY (psn_no, insutype, begndate)
);

CREATE TABLE settlements (
    setl_id             TEXT PRIMARY KEY,
    psn_no              TEXT    NOT NULL,
    setl_time           TEXT    NOT NULL,
    setl_year           INTEGER NOT NULL,
    med_type            TEXT    NOT NULL,
    medfee_sumamt_fen   INTEGER NOT NULL,
    fulamt_ownpay_amt_fen INTEGER NOT NULL,
    overlmt_selfpay_fen INTEGER NOT NULL,
    preselfpay_amt_fen  INTEGER NOT NULL,
    inscp_scp_amt_fen   INTEGER NOT NULL,
    hifp_pay_fen        INTEGER NOT NULL,
    hifmi_pay_fen       INTEGER NOT NULL,
    hifob_pay_fen       INTEGER NOT NULL,
    cvlserv_pay_fen     INTEGER NOT NULL,
    hifes_pay_fen       INTEGER NOT NULL,
    hifdm_pay_fen       INTEGER NOT NULL,
    maf_pay_fen         INTEGER NOT NULL,
    oth_pay_fen         INTEGER NOT NULL,
    fund_pay_sumamt_fen INTEGER,
    psn_part_amt_fen    INTEGER,
    acct_pay_fen        INTEGER,
    psn_cash_pay_fen    INTEGER,
    refd_setl_flag      INTEGER NOT NULL,
    init_setl_id        TEXT,
    referral_compliant  INTEGER NOT NULL,
    exclusion           TEXT    NOT NULL,
    mdtrt_id            TEXT,
    certno              TEXT,
    insutype            TEXT,
    insu_admdvs         TEXT,
    fixmedins_code      TEXT,
    fixmedins_name      TEXT,
    hosp_lv             TEXT,
    begndate            TEXT,
    enddate             TEXT,
    dise_no             TEXT,
    dise_name           TEXT,
    content_hash        TEXT    NOT NULL,
    batch_id            INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_settlements_person ON settlements (psn_no, setl_time);
CREATE INDEX ix_settlements_year ON settlements (setl_year);
CREATE INDEX ix_settlements_init ON settlements (init_setl_id);

-- A settlement that came again with other amounts: the replaced version, kept (data.md loading rules).
CREATE TABLE settlement_history AS SELECT * FROM settlements WHERE 0;
ALTER TABLE settlement_history ADD COLUMN replaced_by_batch INTEGER;
CREATE INDEX ix_settlement_history_id ON settlement_history (setl_id);

CREATE TABLE aids (
    payer           TEXT    NOT NULL,
    voucher_no      TEXT    NOT NULL,
    psn_no          TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL,
    pay_date        TEXT    NOT NULL,
    expense_year    INTEGER NOT NULL,
    setl_id         TEXT,
    content_hash    TEXT    NOT NULL,
    batch_id        INTEGER NOT NULL,
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
    det_item_fee_sumamt_fen INTEGER NOT NULL,
    cnt                 TEXT,
    pric_fen            INTEGER,
    fulamt_ownpay_amt_fen INTEGER NOT NULL,
    preselfpay_amt_fen  INTEGER NOT NULL,
    inscp_scp_amt_fen   INTEGER NOT NULL,
    content_hash        TEXT NOT NULL,
    batch_id            INTEGER NOT NULL,
    PRIMARY KEY (setl_id, feedetl_sn)
);

-- Raw provincial identity codes and the identity type each stands for (data.md: configurable mapping).
CREATE TABLE identity_code_map (
    raw_code        TEXT PRIMARY KEY,
    idet_type       TEXT NOT NULL,
    level           INTEGER,
    illness_induced INTEGER NOT NULL DEFAULT 0,
    note            TEXT,
    content_hash    TEXT NOT NULL,
    batch_id        INTEGER NOT NULL
);

CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    region              TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    inputs_fingerprint  TEXT    NOT NULL,
    parameter_version   TEXT    NOT NULL,
    parameters_json     TEXT    NOT NULL,
    last_batch_id       INTEGER NOT NULL,
    started_at          TEXT    NOT NULL,
    finished_at         TEXT    NOT NULL,
    summary_json        TEXT    NOT NULL
);
