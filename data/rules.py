"""The import rules of extracts.md as SQL: each table's typed view and its ordered reject reasons.

Every staging statement runs in the importer's staging DuckDB (on disk, under a memory limit),
vectorised; a row gets the first reason that holds. The SQL is static text of this module (no user
input is formatted into it); the cut-off month and the vocabularies are bound or joined from tables.
"""

from __future__ import annotations

CATEGORIES = {"视力": 1, "听力": 2, "言语": 3, "肢体": 4, "智力": 5, "精神": 6, "多重": 7}
LEVELS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
SUBSIDY_TYPES = {"困难残疾人生活补贴": "living", "重度残疾人护理补贴": "nursing"}
MONITOR_TYPES = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
REHAB_TYPES = ["康复训练", "辅助器具适配", "康复医疗", "支持性服务"]
BASE_TYPES = ["就业基地", "辅助性就业机构", "阳光大棚", "合作社"]
EMPLOYMENT_FORMS = ["按比例就业", "公益性岗位", "自主创业", "灵活就业", "辅助性就业", "农村种养殖"]
CARE_TYPES = ["机构托养", "居家托养", "日间照料"]
REGION_LEVELS = ["县", "乡镇", "村"]
# A monthly payment above this is a typing error, not a subsidy (standards are near 100 元).
MAX_MONTHLY_PAYMENT_YUAN = 5000
# A modification above this is a typing error (seed 003: about 3,500 元 a household).
MAX_MODIFICATION_YUAN = 200_000
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

# Human-readable text for each reason code, for the summary and the 数据说明 page.
REASONS = {
    "missing_value": "必填项为空",
    "bad_code": "区划代码不是12位数字",
    "bad_id": "身份证号无效（格式、出生日期或校验码）",
    "id_mismatch": "证号第19/20位与残疾类别/等级不符",
    "unknown_category": "未知残疾类别",
    "unknown_level": "未知残疾等级",
    "unknown_region": "区划代码不在行政区划中",
    "unknown_type": "类型不在允许的取值中",
    "unknown_person": "残疾人证号不在持证残疾人中",
    "unknown_household": "户编号不在持证残疾人中",
    "unknown_base": "基地编号不在就业基地中",
    "bad_value": "取值无效",
    "bad_date": "日期无效",
    "future_month": "月份晚于数据截止月",
    "future_date": "日期晚于数据截止月",
    "bad_amount": "金额≤0或异常",
    "duplicate_id": "重复的残疾人证号",
    "duplicate_payment": "同一人、同一补贴、同一月份重复发放",
    "duplicate_key": "重复的编号",
    "formula_no_value": "公式单元格没有计算结果（请在 Excel 中打开、保存后再导出）",
}


def _check_digit_sql(col: str) -> str:
    """GB 11643 check digit of the first 17 digits of `col`, as SQL."""
    total = " + ".join(f"CAST(substr({col}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return f"substr('10X98765432', (({total}) % 11) + 1, 1)"


def _in(col: str, values: list[str] | dict) -> str:
    """`col IN (...)` over a fixed vocabulary of this module."""
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


def _date(col: str) -> str:
    """A cell as DATE: 'YYYY-MM-DD' (Excel may append a time), else NULL."""
    return f"CAST(try_strptime(left(trim({col}), 10), '%Y-%m-%d') AS DATE)"


def code_of(col: str, mapping: dict) -> str:
    """A label column as its code (CASE over a fixed vocabulary of this module)."""
    whens = " ".join(f"WHEN {k!r} THEN {repr(v) if isinstance(v, str) else v}" for k, v in mapping.items())
    return f"CASE {col} {whens} END"


def _year(col: str) -> str:
    """A year cell ('2024' or Excel's '2024.0') as INTEGER, else NULL."""
    return f"TRY_CAST(TRY_CAST(trim({col}) AS DOUBLE) AS INTEGER)"


CERT = "upper(trim(残疾人证号))"
VALID_ID = (
    f"regexp_full_match({CERT}, '[0-9]{{17}}[0-9X][1-7][1-4]')"
    f" AND CAST(try_strptime(substr({CERT}, 7, 8), '%Y%m%d') AS DATE) <= current_date"
    f" AND {_check_digit_sql(CERT)} = substr({CERT}, 18, 1)"
)


def _year_bad(col: str) -> str:
    """A year outside 2000 … the as-of year."""
    return f"{col} IS NULL OR {col} < 2000 OR {col} > year(cutoff_end)"


# table → (typed SELECT over `src`, [(reason, condition that makes a row bad)], [(reason, duplicate key)]).
# `src` has the string columns plus `_file`, `_row`; `cutoff_end` is the last day of the as-of month;
# `village_ok`, `person_ok`, `household_ok`, `base_ok` hold the valid keys of tables loaded before.
RULES: dict[str, tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = {
    "行政区划": (
        """SELECT _file, _row, trim(区划代码) AS region_code, trim(名称) AS name, trim(级别) AS level,
                  NULLIF(trim(上级区划代码), '') AS parent_code_given FROM src""",
        [
            ("missing_value", "region_code = '' OR name = ''"),
            ("bad_code", "NOT regexp_full_match(region_code, '[0-9]{12}')"),
            ("bad_value", f"NOT {_in('level', REGION_LEVELS)}"),
        ],
        [("duplicate_key", "region_code")],
    ),
    "持证残疾人": (
        f"""SELECT _file, _row, {CERT} AS cert, trim(姓名) AS name, trim(性别) AS sex, trim(残疾类别) AS category,
                  trim(残疾等级) AS level, trim(户编号) AS household_key, trim(村社区代码) AS village_code,
                  trim(是否低保) AS is_dibao, trim(是否脱贫户) AS is_tuopin, trim(证件状态) AS status,
                  trim(发证日期) AS issued_text, {_date('发证日期')} AS issued_date,
                  coalesce({VALID_ID}, false) AS id_ok FROM src""",
        [
            ("missing_value", "cert = '' OR household_key = '' OR village_code = ''"),
            ("bad_id", "NOT id_ok"),
            ("unknown_category", f"NOT {_in('category', CATEGORIES)}"),
            ("unknown_level", f"NOT {_in('level', LEVELS)}"),
            ("id_mismatch",
             f"CAST(substr(cert, 19, 1) AS INTEGER) <> {code_of('category', CATEGORIES)}"
             f" OR CAST(substr(cert, 20, 1) AS INTEGER) <> {code_of('level', LEVELS)}"),
            ("unknown_region", "village_code NOT IN (SELECT region_code FROM village_ok)"),
            ("bad_value",
             f"NOT {_in('sex', ['男', '女'])} OR NOT {_in('is_dibao', ['是', '否'])}"
             f" OR NOT {_in('is_tuopin', ['是', '否'])} OR NOT {_in('status', ['正常', '注销'])}"),
            ("bad_date", "issued_text <> '' AND issued_date IS NULL"),
        ],
        [("duplicate_id", "substr(cert, 1, 18)")],
    ),
    "监测户": (
        f"""SELECT _file, _row, trim(户编号) AS household_key, trim(监测类别) AS monitor_type,
                  {_date('纳入日期')} AS enrolled_date, trim(主要风险) AS main_risk,
                  trim(帮扶措施) AS measures, trim(风险消除日期) AS eliminated_text,
                  {_date('风险消除日期')} AS eliminated_date FROM src""",
        [
            ("missing_value", "household_key = ''"),
            ("unknown_household", "household_key NOT IN (SELECT household_key FROM household_ok)"),
            ("unknown_type", f"NOT {_in('monitor_type', MONITOR_TYPES)}"),
            ("bad_date", "enrolled_date IS NULL OR (eliminated_text <> '' AND eliminated_date IS NULL)"
                         " OR eliminated_date < enrolled_date"),
            ("future_date", "enrolled_date > cutoff_end OR eliminated_date > cutoff_end"),
        ],
        [("duplicate_key", "household_key")],
    ),
    "两项补贴发放": (
        f"""SELECT _file, _row, {CERT} AS cert, trim(补贴类型) AS subsidy_label,
                  CAST(try_strptime(left(trim(发放年月), 7), '%Y-%m') AS DATE) AS pay_month,
                  TRY_CAST(trim(发放金额) AS DECIMAL(14, 2)) AS amount_yuan FROM src""",
        [
            ("missing_value", "cert = ''"),
            ("unknown_type", f"NOT {_in('subsidy_label', SUBSIDY_TYPES)}"),
            ("bad_date", "pay_month IS NULL"),
            ("future_month", "pay_month > cutoff_end"),
            ("bad_amount", f"amount_yuan IS NULL OR amount_yuan <= 0 OR amount_yuan > {MAX_MONTHLY_PAYMENT_YUAN}"),
            ("unknown_person", "cert NOT IN (SELECT cert FROM person_ok)"),
        ],
        [("duplicate_payment", "cert, subsidy_label, pay_month")],
    ),
    "康复服务": (
        f"""SELECT _file, _row, {CERT} AS cert, {_year('年度')} AS year, trim(服务类型) AS service_type,
                  trim(服务日期) AS service_text, {_date('服务日期')} AS service_date FROM src""",
        [
            ("missing_value", "cert = ''"),
            ("unknown_person", "cert NOT IN (SELECT cert FROM person_ok)"),
            ("unknown_type", f"NOT {_in('service_type', REHAB_TYPES)}"),
            ("bad_value", _year_bad("year")),
            ("bad_date", "service_text <> '' AND service_date IS NULL"),
            ("future_date", "service_date > cutoff_end"),
        ],
        [],
    ),
    "就业基地": (
        f"""SELECT _file, _row, trim(基地编号) AS base_id, trim(基地名称) AS name, trim(基地类型) AS base_type,
                  trim(村社区代码) AS village_code, TRY_CAST(trim(经度) AS DOUBLE) AS lon,
                  TRY_CAST(trim(纬度) AS DOUBLE) AS lat, {_year('安置残疾人数')} AS placed_persons,
                  {_year('带动户数')} AS households_lifted, TRY_CAST(trim(扶持资金) AS DOUBLE) AS funding_wan_yuan,
                  {_year('认定年度')} AS recognised_year FROM src""",
        [
            ("missing_value", "base_id = '' OR name = ''"),
            ("unknown_type", f"NOT {_in('base_type', BASE_TYPES)}"),
            ("unknown_region", "village_code NOT IN (SELECT region_code FROM village_ok)"),
            ("bad_value", "lon IS NULL OR lat IS NULL OR lon NOT BETWEEN 73 AND 136 OR lat NOT BETWEEN 3 AND 54"
                          " OR placed_persons IS NULL OR placed_persons < 0 OR households_lifted < 0"
                          " OR funding_wan_yuan < 0 OR recognised_year IS NULL OR recognised_year < 1990"),
        ],
        [("duplicate_key", "base_id")],
    ),
    "就业情况": (
        f"""SELECT _file, _row, {CERT} AS cert, {_year('年度')} AS year, trim(就业形式) AS form,
                  NULLIF(trim(基地编号), '') AS base_id FROM src""",
        [
            ("missing_value", "cert = ''"),
            ("unknown_person", "cert NOT IN (SELECT cert FROM person_ok)"),
            ("unknown_type", f"NOT {_in('form', EMPLOYMENT_FORMS)}"),
            ("bad_value", _year_bad("year")),
            ("unknown_base", "base_id IS NOT NULL AND base_id NOT IN (SELECT base_id FROM base_ok)"),
        ],
        [],
    ),
    "无障碍改造": (
        f"""SELECT _file, _row, trim(户编号) AS household_key, {_year('计划年度')} AS plan_year,
                  trim(完成日期) AS completed_text, {_date('完成日期')} AS completed_date,
                  TRY_CAST(trim(改造金额) AS DECIMAL(14, 2)) AS amount_yuan FROM src""",
        [
            ("missing_value", "household_key = ''"),
            ("unknown_household", "household_key NOT IN (SELECT household_key FROM household_ok)"),
            ("bad_value", _year_bad("plan_year")),
            ("bad_date", "completed_text <> '' AND completed_date IS NULL"),
            ("future_date", "completed_date > cutoff_end"),
            ("bad_amount", f"amount_yuan IS NULL OR amount_yuan < 0 OR amount_yuan > {MAX_MODIFICATION_YUAN}"),
        ],
        [],
    ),
    "托养服务": (
        f"""SELECT _file, _row, {CERT} AS cert, {_year('年度')} AS year, trim(托养类型) AS care_type FROM src""",
        [
            ("missing_value", "cert = ''"),
            ("unknown_person", "cert NOT IN (SELECT cert FROM person_ok)"),
            ("unknown_type", f"NOT {_in('care_type', CARE_TYPES)}"),
            ("bad_value", _year_bad("year")),
        ],
        [],
    ),
}


def reason_sql(rules: list[tuple[str, str]]) -> str:
    """CASE giving the first reason whose condition holds (NULL for a good row)."""
    whens = " ".join(f"WHEN coalesce(({cond}), false) THEN '{reason}'" for reason, cond in rules)
    return f"CASE {whens} END"
