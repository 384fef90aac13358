"""Partner registers (../shared/registers.md): 民政低保特困, 死亡人员, 乡村振兴监测对象 → pseudonymous facts.

Optional files in the extracts folder, read like the extracts (data/readers.py). Each row's 身份证号 is
normalised (trimmed, lower-case x read as X, a 15-digit first-generation ID converted to 18 digits: "19"
inserted after the area code and the GB 11643 check digit computed) and checked (18 characters, a real date
of birth, the check digit); a bad row goes to rejects.csv with file, row and reason like every extract.

A valid row is matched to a certificate holder by the citizen ID (the first 18 characters of 残疾人证号) in the
importer's staging database, and carries that holder's `person_id`: the keyed hash (HMAC of the same 18
characters with PSEUDONYM_KEY) the register of persons is keyed by. Rows of no holder take part in no
比对项 and do not leave the staging database; neither does any name or ID. The warehouse gets facts only:
`fact_register_dibao`, `fact_register_death`, `fact_register_rural` and `meta_register` (docs/warehouse.md).
"""

from __future__ import annotations

import pandas as pd

from data.rules import ID_WEIGHTS, _date

# file (table) name → (key, label in sentences, staging view); the order of 数据说明 and of the 比对项.
REGISTERS = {
    "民政低保特困": ("dibao", "民政低保特困名单", "v_reg_dibao"),
    "死亡人员": ("death", "死亡人员名单", "v_reg_death"),
    "乡村振兴监测对象": ("rural", "乡村振兴监测对象名单", "v_reg_rural"),
}
# The header texts the importer reads (names and the other system's 户编号 are not read at all).
COLUMNS = {
    "民政低保特困": ["身份证号", "救助类型", "起始年月", "终止年月"],
    "死亡人员": ["身份证号", "死亡日期", "来源"],
    "乡村振兴监测对象": ["身份证号", "监测类别", "纳入日期", "风险消除日期"],
}
OPTIONAL = {"来源"}
ASSISTANCE_TYPES = ["低保", "特困"]
DEATH_SOURCES = ["公安", "民政", "卫健"]
WAREHOUSE_TABLES = ["fact_register_dibao", "fact_register_death", "fact_register_rural", "meta_register"]

def _check_digit_sql(col: str) -> str:
    """GB 11643 check digit of the first 17 characters of `col`, as SQL; NULL when one is not a digit (a short
    or malformed ID is rejected by the regular expression, and must not stop the statement on the way)."""
    total = " + ".join(f"TRY_CAST(substr({col}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return f"substr('10X98765432', (({total}) % 11) + 1, 1)"


RAW_ID = "upper(trim(身份证号))"
# 15 digits: area (6) + yymmdd (6) + sequence (3) → area + 19yymmdd + sequence + check digit.
_ID17_OF_15 = f"substr({RAW_ID}, 1, 6) || '19' || substr({RAW_ID}, 7, 9)"
CITIZEN_ID = (f"CASE WHEN regexp_full_match({RAW_ID}, '[0-9]{{15}}') "
              f"THEN {_ID17_OF_15} || {_check_digit_sql(f'({_ID17_OF_15})')} ELSE {RAW_ID} END")
VALID_CITIZEN_ID = (
    "regexp_full_match(citizen_id, '[0-9]{17}[0-9X]')"
    " AND CAST(try_strptime(substr(citizen_id, 7, 8), '%Y%m%d') AS DATE) <= current_date"
    f" AND {_check_digit_sql('citizen_id')} = substr(citizen_id, 18, 1)"
)
_MONTH = "CAST(try_strptime(left(trim({0}), 7), '%Y-%m') AS DATE)"


def _typed(columns: str) -> str:
    """A register's typed SELECT over `src`: the normalised citizen ID, its validity, then `columns`."""
    return f"""SELECT *, coalesce({VALID_CITIZEN_ID}, false) AS id_ok FROM (
                 SELECT _file, _row, {CITIZEN_ID} AS citizen_id, {columns} FROM src) typed_register"""


# table → (typed SELECT over `src`, [(reason, condition that makes a row bad)], [duplicate keys]), as data/rules.py.
RULES: dict[str, tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = {
    "民政低保特困": (
        _typed(f"trim(救助类型) AS assistance_type, {_MONTH.format('起始年月')} AS start_month,"
               f" trim(终止年月) AS end_text, {_MONTH.format('终止年月')} AS end_month"),
        [
            ("missing_value", "citizen_id = ''"),
            ("bad_id", "NOT id_ok"),
            ("unknown_type", f"assistance_type NOT IN ({', '.join(repr(v) for v in ASSISTANCE_TYPES)})"),
            ("bad_date", "start_month IS NULL OR (end_text <> '' AND end_month IS NULL) OR end_month < start_month"),
            ("future_date", "start_month > cutoff_end"),
        ],
        [],
    ),
    "死亡人员": (
        _typed(f"{_date('死亡日期')} AS death_date, trim(coalesce(来源, '')) AS source"),
        [
            ("missing_value", "citizen_id = ''"),
            ("bad_id", "NOT id_ok"),
            ("bad_date", "death_date IS NULL"),
            ("future_date", "death_date > cutoff_end"),
            ("unknown_type", f"source <> '' AND source NOT IN ({', '.join(repr(v) for v in DEATH_SOURCES)})"),
        ],
        [],
    ),
    "乡村振兴监测对象": (
        _typed(f"trim(监测类别) AS monitor_type, {_date('纳入日期')} AS enrolled_date,"
               f" trim(风险消除日期) AS eliminated_text, {_date('风险消除日期')} AS eliminated_date"),
        [
            ("missing_value", "citizen_id = ''"),
            ("bad_id", "NOT id_ok"),
            ("bad_date", "enrolled_date IS NULL OR (eliminated_text <> '' AND eliminated_date IS NULL)"
                         " OR eliminated_date < enrolled_date"),
            ("future_date", "enrolled_date > cutoff_end"),
        ],
        [],
    ),
}

# The warehouse tables, from the staging views (valid rows) joined to the holders by the 18-digit ID.
BUILD_SQL = """
CREATE TABLE fact_register_dibao AS
SELECT p.person_id, r.assistance_type, r.start_month, r.end_month
FROM v_reg_dibao r JOIN v_persons p ON substr(p.cert, 1, 18) = r.citizen_id
ORDER BY p.person_id, r.start_month;

CREATE TABLE fact_register_death AS
SELECT p.person_id, r.death_date, r.source
FROM v_reg_death r JOIN v_persons p ON substr(p.cert, 1, 18) = r.citizen_id
ORDER BY p.person_id, r.death_date;

CREATE TABLE fact_register_rural AS
SELECT p.person_id, r.monitor_type, r.enrolled_date, r.eliminated_date
FROM v_reg_rural r JOIN v_persons p ON substr(p.cert, 1, 18) = r.citizen_id
ORDER BY p.person_id, r.enrolled_date;
"""

# Per register: valid rows, of them matched to a holder, and the months they speak of.
SPAN_SQL = """
SELECT 'dibao' AS register, count(*) AS rows_loaded,
       count(*) FILTER (WHERE citizen_id IN (SELECT substr(cert, 1, 18) FROM v_persons)) AS rows_matched,
       min(start_month) AS first_month, max(coalesce(end_month, start_month)) AS last_month FROM v_reg_dibao
UNION ALL
SELECT 'death', count(*), count(*) FILTER (WHERE citizen_id IN (SELECT substr(cert, 1, 18) FROM v_persons)),
       CAST(date_trunc('month', min(death_date)) AS DATE), CAST(date_trunc('month', max(death_date)) AS DATE)
FROM v_reg_death
UNION ALL
SELECT 'rural', count(*), count(*) FILTER (WHERE citizen_id IN (SELECT substr(cert, 1, 18) FROM v_persons)),
       CAST(date_trunc('month', min(enrolled_date)) AS DATE),
       CAST(date_trunc('month', greatest(max(enrolled_date), max(eliminated_date))) AS DATE)
FROM v_reg_rural
"""


def meta_frame(spans: pd.DataFrame, present: dict[str, bool], file_stats: list[dict]) -> pd.DataFrame:
    """meta_register: one row per register (imported or not) with rows read, loaded, matched, rejected and
    its month range."""
    stats = pd.DataFrame(file_stats, columns=["table_name", "rows_read", "rows_rejected"])
    rows = []
    for table, (key, label, _) in REGISTERS.items():
        span = spans.set_index("register").loc[key]
        mine = stats[stats["table_name"] == table]
        imported = bool(present.get(table))
        rows.append({
            "register": key, "label": label, "table_name": table, "is_imported": imported,
            "rows_read": int(mine["rows_read"].sum()), "rows_loaded": int(span["rows_loaded"]),
            "rows_matched": int(span["rows_matched"]), "rows_rejected": int(mine["rows_rejected"].sum()),
            "first_month": span["first_month"] if imported else None,
            "last_month": span["last_month"] if imported else None,
        })
    frame = pd.DataFrame(rows)
    for column in ("first_month", "last_month"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame
