"""Generate a fictional county's extracts folder (示范县, code 990101000000).

The output follows shared/extracts.md exactly: the same file names, header texts,
value vocabularies and the mixed encodings a real federation hands over. Every
step is vectorised with numpy/pandas, so two million persons take minutes.

Usage: python -m data.generate OUT_DIR [--seed 7] [--persons 45000]
       [--until YYYY-MM] [--no-bad-rows]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xlsxwriter
from pyproj import Transformer
from shapely.geometry import Polygon, box

# --- the county -------------------------------------------------------------
COUNTY_CODE = "990101000000"  # province 99 does not exist: clearly fictional
COUNTY_PREFIX = COUNTY_CODE[:6]
COUNTY_NAME = "示范县"
CENTER_LONLAT = (117.0, 35.0)
CRS_PROJECTED = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
CRS_WGS84 = "EPSG:4326"
COUNTY_RADIUS_M = 25_000.0
UNKNOWN_TOWNSHIP_CODE = COUNTY_PREFIX + "999000"  # planted boundary feature
BASE_PERSONS = 45_000
BASE_TOWNSHIPS = 30
MIN_PERSONS = 500
MAX_PERSONS = 20_000_000  # keeps township codes within three digits

# Township kinds, in order of distance from the county seat (streets at the centre).
STREET, DEVZONE, TOWN, XIANG = "街道", "开发区", "镇", "乡"
STREET_SHARE, XIANG_SHARE = 0.12, 0.20
STREET_NAMES = ["城关", "城东", "城西", "城南", "城北", "城中", "新城", "滨河"]
DEVZONE_NAME = "经济开发区"
TOWN_FIRST = list("东西南北青白石黄金马龙凤柳杨桃李新大高双三安永长平太和兴福花红古清明")
TOWN_SECOND = list("湖山桥河庄集店沟岭营寨楼口湾堡屯林泉坡港台阳亭")
VILLAGE_FIRST = list(
    "王李张刘陈杨赵周吴孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘蒋蔡杜程苏魏吕丁任沈姚卢姜崔"
)
VILLAGE_SECOND = ["庄", "家庄", "集", "营", "家沟", "家洼", "岭", "坡", "寨", "屯", "楼", "店",
                  "湾", "桥", "河", "岗", "堡", "圩"]
COMMUNITY_FIRST = ["幸福", "和平", "建设", "人民", "新华", "东风", "滨河", "阳光", "锦绣", "文化",
                   "振兴", "光明", "朝阳", "康乐", "富民", "怡园", "花园", "金桥", "翠苑", "民主"]
COMMUNITY_SECOND = ["", "东", "西", "南", "北", "新"]
# Villages (or communities) per township, by kind: inclusive ranges, ~400 in all at 30 townships.
VILLAGES_PER_KIND = {STREET: (6, 12), DEVZONE: (5, 9), TOWN: (10, 20), XIANG: (8, 16)}
UNSURVEYED_KIND = DEVZONE  # its villages are left out of 村边界 ("no boundary yet")

# --- persons ----------------------------------------------------------------
CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]  # ID digit = index + 1
CATEGORY_SHARES = [0.12, 0.12, 0.02, 0.45, 0.10, 0.12, 0.07]
CHILD_CATEGORY_SHARES = [0.05, 0.15, 0.10, 0.25, 0.30, 0.05, 0.10]
LEVELS = ["一级", "二级", "三级", "四级"]  # ID digit = index + 1
LEVEL_SHARES = [0.12, 0.20, 0.30, 0.38]
DIBAO_BY_LEVEL = [0.30, 0.24, 0.16, 0.12]  # ~18% overall, more for severe levels
TUOPIN_RURAL, TUOPIN_STREET = 0.17, 0.05  # household share of 脱贫户 (~15% overall)
HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_SHARES = [1, 2, 3], [0.80, 0.15, 0.05]  # ~1.25 persons
CHILD_SHARE, CHILD_MAX_AGE = 0.04, 16
MALE_SHARE = 0.57
CANCEL_OLD, CANCEL_YOUNG = 0.05, 0.018  # ~3% 注销, mostly the elderly
HOME_AREA_SHARE = 0.8  # share of IDs issued in the county itself (area 990101)
ISSUE_START = np.datetime64("2008-01-01")
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔向汤"
)
GIVEN_CHARS = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉兰建国文志红海金凤春梅荣福林德成永光俊鹏雪燕慧婷"
    "佳浩宇翠云莲彩凤山根喜旺胜利宝珍淑贵生发祥"
)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK_CHARS = np.array(list("10X98765432"))

PERSON_COLUMNS = ["残疾人证号", "姓名", "性别", "出生日期", "残疾类别", "残疾等级", "户编号",
                  "村社区代码", "是否低保", "是否脱贫户", "证件状态", "发证日期"]

# --- two subsidies ----------------------------------------------------------
FIRST_YEAR = 2021
LIVING, NURSING = "困难残疾人生活补贴", "重度残疾人护理补贴"
LIVING_STANDARD = {2021: 80, 2022: 90, 2023: 100, 2024: 110}  # 元/月; later years: LATEST
NURSING_STANDARD = {2021: 90, 2022: 100, 2023: 100, 2024: 110}
LATEST_STANDARD = 120
NURSING_LEVEL1_EXTRA = 20
NEVER_PAID_MAX = 0.07  # per-township share of eligible never paid drawn in [0, this]
MISS_RATE = 0.015  # a paid person misses a month now and then
BACKPAY_RATE = 0.5  # after a missed month, the next one is often paid double (补发)
CANCELLED_PAID_SHARE = 0.4  # 注销 persons who were paid for a while before cancellation
XLSX_MAX_DATA_ROWS = 1_048_575
PAYMENT_COLUMNS = ["残疾人证号", "补贴类型", "发放年月", "发放金额"]

# --- monitoring -------------------------------------------------------------
MONITOR_SHARE = 0.055
MONITOR_TYPES = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
MONITOR_TYPE_SHARES = [0.40, 0.55, 0.05]
RISKS = ["因病", "因残", "因学", "因灾", "因意外", "务工就业不稳", "产业项目失败"]
RISK_SHARES = [0.30, 0.32, 0.08, 0.07, 0.08, 0.10, 0.05]
MEASURES = ["产业帮扶", "就业帮扶", "健康帮扶", "教育帮扶", "兜底保障", "残疾人两项补贴", "康复服务",
            "无障碍改造"]
MEASURE_COUNT_SHARES = [0.45, 0.35, 0.20]  # 1, 2 or 3 measures
ASCII_SEPARATOR_SHARE = 0.1  # rows whose measures are joined by ';' not '；'
NO_MEASURE_SHARE = 0.03  # of households still under monitoring
ELIMINATED_SHARE = 0.60
MONITOR_COLUMNS = ["户编号", "监测类别", "纳入日期", "主要风险", "帮扶措施", "风险消除日期"]

# --- rehabilitation -----------------------------------------------------------
SERVICES = ["康复训练", "辅助器具适配", "康复医疗", "支持性服务"]
SERVICE_SHARES = [0.35, 0.25, 0.25, 0.15]
NEED_ADULT, NEED_CHILD = 0.36, 0.75
TWO_SERVICES_SHARE = 0.3
SERVE_RATE_RANGE = (0.74, 0.99)  # per township, around the 85% county target
REHAB_COLUMNS = ["残疾人证号", "年度", "服务类型", "服务日期"]

# --- employment -------------------------------------------------------------
BASE_TYPES = ["就业基地", "辅助性就业机构", "阳光大棚", "合作社"]
BASE_SUFFIX = {"就业基地": "残疾人就业基地", "辅助性就业机构": "残疾人辅助性就业中心",
               "阳光大棚": "阳光大棚", "合作社": "种养殖专业合作社"}
BASE_COUNT_RANGE = (15, 30)
BASE_FIRST_YEAR = 2016
BASE_INSET_M = 100.0  # keep base points well inside the polygon, rounding included
BASE_COLUMNS = ["基地编号", "基地名称", "基地类型", "村社区代码", "经度", "纬度", "安置残疾人数",
                "带动户数", "扶持资金", "认定年度"]
JOB_FORMS = ["按比例就业", "公益性岗位", "自主创业", "灵活就业", "辅助性就业", "农村种养殖"]
JOB_FORM_SHARES = [0.10, 0.15, 0.10, 0.25, 0.10, 0.30]
BASE_LINKED_FORMS = ["灵活就业", "辅助性就业", "农村种养殖"]
BASE_LINK_SHARE = 0.5
JOB_RATE_RANGE = (0.08, 0.12)
JOB_PERSISTENT = 0.7  # most of a year's workers worked the year before too
WORKING_AGE = (16, 59)
JOB_COLUMNS = ["残疾人证号", "年度", "就业形式", "基地编号"]

# --- accessibility and care -------------------------------------------------------
ACCESS_PER_YEAR = (100, 160)  # at BASE_PERSONS
ACCESS_DONE_RANGE = (0.90, 0.98)
ACCESS_AMOUNT = (3500.0, 700.0, 2000.0, 6000.0)  # mean, sd, min, max (元)
ACCESS_COLUMNS = ["户编号", "计划年度", "完成日期", "改造金额"]
CARE_PER_YEAR = (250, 400)  # at BASE_PERSONS
CARE_TYPES = ["机构托养", "居家托养", "日间照料"]
CARE_TYPE_SHARES = [0.2, 0.5, 0.3]
CARE_COLUMNS = ["残疾人证号", "年度", "托养类型"]

# --- planted errors (bad rows) ------------------------------------------------------
BAD_CATEGORIES = ["其他", "未评定"]
BAD_PAYMENT_TYPES = ["高龄津贴", "孤儿基本生活费"]
BAD_SERVICE_TYPES = ["心理疏导", "上门走访"]
BAD_AMOUNTS = [0.0, -100.0, 98000.0]
FUTURE_MONTHS_AHEAD = 36  # far enough to be future whichever 'today' an importer uses
BAD_PERSON_HOUSEHOLD_BASE = 98000  # fresh household numbers, unused by good rows
UNKNOWN_HOUSEHOLD_BASE = 99000

REGION_COLUMNS = ["区划代码", "名称", "级别", "上级区划代码"]
PARENT_BLANK_SHARE = 0.1  # 上级区划代码 left empty (derivable from the prefix)
FIXED_XLSX_TIME = dt.datetime(2025, 1, 1)  # xlsx metadata, so output is reproducible
CSV_CHUNK_ROWS = 1_000_000  # rows per write in the fast payment writer

Planted = tuple[pd.DataFrame, list[str], np.ndarray]  # rows, reasons, insert-before positions

OUTPUT_TABLES = ["行政区划", "乡镇边界", "村边界", "持证残疾人", "监测户", "两项补贴发放", "康复服务", "就业基地", "就业情况",
                 "无障碍改造", "托养服务", "民政低保特困", "死亡人员", "乡村振兴监测对象"]

GBK, UTF8_BOM, UTF8 = "gbk", "utf-8-sig", "utf-8"
CRLF = "\r\n"  # what Excel on Chinese Windows writes; used for the GBK files


# ============================================================================ helpers
def section_rng(seed: int, section: int) -> np.random.Generator:
    """One independent generator per section, so sections don't shift each other."""
    return np.random.default_rng([seed, section])


def month_index(text: str) -> int:
    """'YYYY-MM' -> months since year 0."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_text(mi: np.ndarray | int) -> np.ndarray:
    """Months since year 0 -> 'YYYY-MM' strings."""
    mi = np.asarray(mi, dtype=np.int64)
    return np.char.add(np.char.add((mi // 12).astype(str), "-"), np.char.zfill((mi % 12 + 1).astype(str), 2))


def month_start(mi: np.ndarray | int) -> np.ndarray:
    """Months since year 0 -> first day of that month."""
    return (np.asarray(mi, dtype=np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")


def month_of(days: np.ndarray) -> np.ndarray:
    """Dates -> months since year 0."""
    return days.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def year_of(days: np.ndarray) -> np.ndarray:
    """Dates -> calendar year."""
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def date_text(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Dates -> 'YYYY-MM-DD', '' where not present."""
    text = np.asarray(days).astype("datetime64[D]").astype(str)
    return text if present is None else np.where(present, text, "")


def zpad(values: np.ndarray, width: int) -> np.ndarray:
    """Integers -> zero-padded strings."""
    return np.char.zfill(np.asarray(values).astype(np.int64).astype(str), width)


def pick(rng: np.random.Generator, options: list, shares: list[float], size: int) -> np.ndarray:
    """Draw option indices with the given shares."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(options), size=size, p=p / p.sum())


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices, chosen with probability proportional to weight (exponential keys)."""
    k = min(k, int(np.count_nonzero(weights > 0)))
    keys = rng.exponential(size=len(weights)) / np.where(weights > 0, weights, np.nan)
    keys = np.where(np.isnan(keys), np.inf, keys)
    return np.sort(np.argpartition(keys, k - 1)[:k]) if k > 0 else np.array([], dtype=np.int64)


def id_check_chars(base17: np.ndarray) -> np.ndarray:
    """GB 11643 check character for 17-digit integer ID bases."""
    total = np.zeros(len(base17), dtype=np.int64)
    rest = np.asarray(base17, dtype=np.int64).copy()
    for weight in ID_WEIGHTS[::-1]:  # 17 digit positions, not a loop over persons
        total += (rest % 10) * weight
        rest //= 10
    return ID_CHECK_CHARS[total % 11]


def id_base(area: np.ndarray, yyyymmdd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Compose the 17-digit ID base as an integer."""
    return area.astype(np.int64) * 10**11 + yyyymmdd.astype(np.int64) * 1000 + seq.astype(np.int64)


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Dates -> integer YYYYMMDD."""
    months = days.astype("datetime64[M]")
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    month = months.astype(np.int64) % 12 + 1
    return year_of(days) * 10000 + month * 100 + day


def certificate_numbers(base17: np.ndarray, check: np.ndarray, cat: np.ndarray, lvl: np.ndarray) -> np.ndarray:
    """ID base + check character + category digit + level digit."""
    head = np.char.add(base17.astype(str), check)
    return np.char.add(np.char.add(head, (cat + 1).astype(str)), (lvl + 1).astype(str))


def scatter_positions(n_good: int, before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order to place bad rows before given good rows: (take over [good, bad], bad final positions)."""
    before = np.asarray(before, dtype=np.int64)
    order = np.argsort(before, kind="stable")
    final_sorted = before[order] + np.arange(len(before))
    total = n_good + len(before)
    take = np.empty(total, dtype=np.int64)
    is_bad = np.zeros(total, dtype=bool)
    is_bad[final_sorted] = True
    take[~is_bad] = np.arange(n_good)
    take[final_sorted] = n_good + order
    positions = np.empty(len(before), dtype=np.int64)
    positions[order] = final_sorted
    return take, positions


def insert_rows(good: pd.DataFrame, bad: pd.DataFrame, before: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Scatter bad rows into a frame; returns the frame and 1-based data row numbers of the bad rows."""
    if bad.empty:
        return good, np.array([], dtype=np.int64)
    take, positions = scatter_positions(len(good), before)
    both = pd.concat([good, bad[good.columns]], ignore_index=True)
    return both.iloc[take].reset_index(drop=True), positions + 1


def write_csv(df: pd.DataFrame, path: Path, encoding: str) -> int:
    """Write a CSV the way the federation's systems do; returns data rows."""
    newline = CRLF if encoding == GBK else "\n"
    df.to_csv(path, index=False, encoding=encoding, lineterminator=newline)
    return len(df)


def write_coded_csv(path: Path, header: list[str], columns: list[tuple[np.ndarray, list[str]]],
                    encoding: str) -> int:
    """Write columns given as (codes, labels) — the same bytes pandas' to_csv writes, about 3x faster.

    Payments reach tens of millions of rows: each label is encoded once and rows are joined as bytes.
    """
    newline = CRLF if encoding == GBK else "\n"
    codec = UTF8 if encoding == UTF8_BOM else encoding
    pieces = []
    for i, (_, labels) in enumerate(columns):
        end = newline if i == len(columns) - 1 else ","
        joined = "".join(labels)
        if any(ch in joined for ch in ',"\r\n'):
            raise ValueError("labels needing CSV quoting are not supported here")
        pieces.append(np.array([(label + end).encode(codec) for label in labels]))  # fixed-width bytes
    rows = len(columns[0][0])
    with open(path, "wb") as f:
        if encoding == UTF8_BOM:
            f.write(b"\xef\xbb\xbf")
        f.write((",".join(header) + newline).encode(codec))
        for lo in range(0, rows, CSV_CHUNK_ROWS):  # chunks bound the memory, not a per-row loop
            parts = [piece.take(codes[lo:lo + CSV_CHUNK_ROWS]) for piece, (codes, _) in zip(pieces, columns, strict=True)]
            line = parts[0]
            for part in parts[1:]:
                line = np.char.add(line, part)  # element-wise, in C
            f.write(b"".join(line.tolist()))
    return rows


def write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> int:
    """Write sheets with xlsxwriter in constant-memory mode; returns data rows."""
    options = {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False,
               "strings_to_numbers": False}
    workbook = xlsxwriter.Workbook(str(path), options)
    workbook.set_properties({"created": FIXED_XLSX_TIME})
    rows = 0
    for name, df in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, list(df.columns))
        columns = [_cells(df[c]) for c in df.columns]
        # typed writers skip xlsxwriter's per-cell type sniffing; text stays text (IDs keep their digits)
        writers = [sheet.write_number if df[c].dtype.kind in "iuf" else sheet.write_string for c in df.columns]
        # xlsxwriter has no bulk API: rows are streamed one by one (the only per-row loop here)
        for r, row in enumerate(zip(*columns, strict=True), start=1):
            for c, value in enumerate(row):
                if value is not None:
                    writers[c](r, c, value)
        rows += len(df)
    workbook.close()
    return rows


def _cells(column: pd.Series) -> list:
    """Series -> Python cell values, None where the cell stays empty."""
    values = column.tolist()
    if column.dtype.kind in "iuf":
        return values
    return [None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v for v in values]


@dataclass(frozen=True)
class Period:
    """The months covered: FIRST_YEAR-01 to --until."""

    until_mi: int

    @property
    def first_mi(self) -> int:
        """First month of the payments."""
        return FIRST_YEAR * 12

    @property
    def until_year(self) -> int:
        """Year of --until."""
        return self.until_mi // 12

    @property
    def until_end(self) -> np.datetime64:
        """Last day of --until."""
        return month_start(self.until_mi + 1) - np.timedelta64(1, "D")

    @property
    def years(self) -> range:
        """Years from FIRST_YEAR to --until's year."""
        return range(FIRST_YEAR, self.until_year + 1)

    def year_end(self, year: int) -> np.datetime64:
        """Last day of a year, never after --until."""
        return min(np.datetime64(f"{year}-12-31"), self.until_end)


def default_until(today: dt.date | None = None) -> str:
    """Last full calendar month before today."""
    today = today or dt.date.today()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


# ============================================================================ geography
@dataclass
class Geography:
    """Townships and villages with codes, names and EPSG:4548 polygons."""

    town_code: np.ndarray
    town_name: np.ndarray
    town_kind: np.ndarray
    town_geom: np.ndarray
    vil_code: np.ndarray
    vil_name: np.ndarray
    vil_town: np.ndarray
    vil_community: np.ndarray
    vil_geom: np.ndarray
    omitted_town: int
    extra_geom: Polygon


def township_count(persons: int) -> int:
    """About 30 townships, growing with the square root of the population."""
    return round(BASE_TOWNSHIPS * math.sqrt(max(1.0, persons / BASE_PERSONS)))


def township_kinds(n: int) -> list[str]:
    """Kinds ordered from the county seat outwards: streets, dev zone, towns, xiang."""
    streets = max(3, round(n * STREET_SHARE))
    xiang = max(2, round(n * XIANG_SHARE))
    return [STREET] * streets + [DEVZONE] + [TOWN] * (n - streets - xiang - 1) + [XIANG] * xiang


def township_numbers(kinds: list[str]) -> np.ndarray:
    """3-digit township numbers: streets 001.., towns 100.., xiang and dev zone in later hundreds."""
    numbers = np.zeros(len(kinds), dtype=np.int64)
    start = {STREET: 1, TOWN: 100}
    count = {k: kinds.count(k) for k in (STREET, TOWN, XIANG)}
    start[XIANG] = math.ceil((100 + count[TOWN]) / 100) * 100
    start[DEVZONE] = max(400, math.ceil((start[XIANG] + count[XIANG]) / 100) * 100)
    seen = dict.fromkeys(start, 0)
    for i, kind in enumerate(kinds):  # one per township
        numbers[i] = start[kind] + seen[kind]
        seen[kind] += 1
    return numbers


def township_names(rng: np.random.Generator, kinds: list[str]) -> np.ndarray:
    """Unique plausible names: 城关街道, 经济开发区, 东湖镇, 青山乡..."""
    combos = [a + b for a in TOWN_FIRST for b in TOWN_SECOND if a != b]
    chosen = rng.choice(len(combos), size=len(kinds), replace=False)
    names, street_i = [], 0
    for i, kind in enumerate(kinds):
        if kind == STREET:
            base = STREET_NAMES[street_i] if street_i < len(STREET_NAMES) else combos[chosen[i]]
            street_i += 1
            names.append(base + "街道")
        elif kind == DEVZONE:
            names.append(DEVZONE_NAME)
        else:
            names.append(combos[chosen[i]] + kind)
    return np.array(names)


def village_names(rng: np.random.Generator, n: int, community: bool) -> list[str]:
    """n distinct village (…村) or community (…社区) names for one township."""
    if community:
        combos = [a + b + "社区" for a in COMMUNITY_FIRST for b in COMMUNITY_SECOND]
    else:
        combos = [a + b + "村" for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
    return [combos[i] for i in rng.choice(len(combos), size=n, replace=False)]


def county_polygon(rng: np.random.Generator, center: tuple[float, float], radius: float) -> Polygon:
    """An irregular, star-shaped county outline."""
    theta = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    harmonics = ((2, 0.10), (3, 0.08), (5, 0.05), (9, 0.02))  # (frequency, amplitude)
    wobble = sum(a * np.sin(k * theta + rng.uniform(0, 2 * np.pi)) for k, a in harmonics)
    r = radius * (1 + wobble)
    return Polygon(np.column_stack([center[0] + r * np.cos(theta), center[1] + r * np.sin(theta)]))


def random_points(rng: np.random.Generator, area, n: int) -> np.ndarray:
    """n uniform random points inside a polygon (rejection sampling)."""
    minx, miny, maxx, maxy = area.bounds
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 64), 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(xy)
        total += len(xy)
    return np.concatenate(found)[:n]


def polygonal(geom):
    """Keep only the polygon parts of a clipping result."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def voronoi_cells(points: np.ndarray, area, lloyd: int = 2) -> np.ndarray:
    """Voronoi cells of the points clipped to area; Lloyd steps even out the sizes."""
    for step in range(lloyd + 1):
        diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=area, ordered=True)
        cells = shapely.intersection(shapely.get_parts(diagram), area)
        if step == lloyd:
            break
        centroids = shapely.get_coordinates(shapely.centroid(cells))
        inside = shapely.contains_xy(area, centroids[:, 0], centroids[:, 1])
        points = np.where(inside[:, None], centroids, points)  # a centroid outside would lose its cell
    return np.array([polygonal(c) for c in cells], dtype=object)


def build_geography(seed: int, persons: int) -> Geography:
    """Townships as Voronoi cells of the county, villages as Voronoi cells of each township."""
    rng = section_rng(seed, 1)
    n_town = township_count(persons)
    center = Transformer.from_crs(CRS_WGS84, CRS_PROJECTED, always_xy=True).transform(*CENTER_LONLAT)
    radius = COUNTY_RADIUS_M * math.sqrt(n_town / BASE_TOWNSHIPS)
    county = county_polygon(rng, center, radius)
    seeds = random_points(rng, county, n_town)
    cells = voronoi_cells(seeds, county)
    # streets near the seat, xiang at the rim: rank cells by distance from the centre
    cxy = shapely.get_coordinates(shapely.centroid(cells))
    cells = cells[np.argsort(np.hypot(cxy[:, 0] - center[0], cxy[:, 1] - center[1]))]
    kinds = township_kinds(n_town)
    numbers = township_numbers(kinds)
    names = township_names(rng, kinds)
    order = np.argsort(numbers)
    town_code = np.char.add(np.char.add(COUNTY_PREFIX, zpad(numbers[order], 3)), "000")
    town_kind = np.array(kinds)[order]
    town_name, town_geom = names[order], cells[order]

    vil_code, vil_name, vil_town, vil_comm, vil_geom = [], [], [], [], []
    for t in range(n_town):  # one Voronoi diagram per township
        kind = town_kind[t]
        lo, hi = VILLAGES_PER_KIND[kind]
        n_vil = int(rng.integers(lo, hi + 1))
        community = kind == STREET
        first = 1 if community else 201  # statistical convention: 社区 0xx-1xx, 村 2xx-3xx
        geoms = voronoi_cells(random_points(rng, town_geom[t], n_vil), town_geom[t], lloyd=1)
        vil_code += [town_code[t][:9] + f"{first + i:03d}" for i in range(n_vil)]
        vil_name += village_names(rng, n_vil, community)
        vil_town += [t] * n_vil
        vil_comm += [community] * n_vil
        vil_geom += list(geoms)
    omitted = int(np.flatnonzero(town_kind == UNSURVEYED_KIND)[0])
    # the planted feature: a small parcel just east of the county, coded to no region
    extra = box(center[0] + radius * 1.45, center[1] - 1500, center[0] + radius * 1.45 + 3000, center[1] + 1500)
    return Geography(town_code, town_name, town_kind, town_geom, np.array(vil_code), np.array(vil_name),
                     np.array(vil_town), np.array(vil_comm), np.array(vil_geom, dtype=object), omitted, extra)


def regions_frame(seed: int, geo: Geography) -> pd.DataFrame:
    """行政区划: county, townships, villages; some parents left empty."""
    rng = section_rng(seed, 2)
    codes = np.concatenate([[COUNTY_CODE], geo.town_code, geo.vil_code])
    names = np.concatenate([[COUNTY_NAME], geo.town_name, geo.vil_name])
    levels = np.array(["县"] + ["乡镇"] * len(geo.town_code) + ["村"] * len(geo.vil_code))
    parents = np.concatenate([[""], np.full(len(geo.town_code), COUNTY_CODE),
                              np.char.add(np.array([c[:9] for c in geo.vil_code]), "000")])
    blank = rng.random(len(codes)) < PARENT_BLANK_SHARE
    parents = np.where(blank, "", parents)
    df = pd.DataFrame({"区划代码": codes, "名称": names, "级别": levels, "上级区划代码": parents})
    return df.sort_values("区划代码", kind="stable").reset_index(drop=True)


def write_boundaries(out: Path, geo: Geography, bad_rows: bool) -> None:
    """乡镇边界.gpkg (with a planted unknown code) and 村边界.shp (one township left out)."""
    codes, names, geoms = list(geo.town_code), list(geo.town_name), list(geo.town_geom)
    if bad_rows:
        codes.append(UNKNOWN_TOWNSHIP_CODE)
        names.append("待核实图斑")
        geoms.append(geo.extra_geom)
    towns = gpd.GeoDataFrame({"区划代码": codes, "名称": names}, geometry=geoms, crs=CRS_PROJECTED)
    path = out / "乡镇边界.gpkg"
    path.unlink(missing_ok=True)
    towns.to_file(path, layer="乡镇边界", driver="GPKG")
    print(f"wrote {path.name}: {len(towns)} features")

    keep = geo.vil_town != geo.omitted_town
    villages = gpd.GeoDataFrame({"XZQDM": geo.vil_code[keep], "XZQMC": geo.vil_name[keep]},
                                geometry=list(geo.vil_geom[keep]), crs=CRS_PROJECTED)
    path = out / "村边界.shp"
    villages.to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
    print(f"wrote {path.name}: {len(villages)} features (no villages for {geo.town_name[geo.omitted_town]})")


# ============================================================================ persons
@dataclass
class Persons:
    """The certificate holders (good rows only), in file order."""

    cert: np.ndarray
    sex_male: np.ndarray
    birth: np.ndarray
    cat: np.ndarray
    lvl: np.ndarray
    hh: np.ndarray  # household index
    village: np.ndarray
    town: np.ndarray
    dibao: np.ndarray
    cancelled: np.ndarray
    issue: np.ndarray
    hh_code: np.ndarray  # per household
    hh_village: np.ndarray  # per household
    hh_tuopin: np.ndarray  # per household

    @property
    def normal(self) -> np.ndarray:
        """证件状态 正常."""
        return ~self.cancelled

    def age_in(self, year: int) -> np.ndarray:
        """Age reached during a year."""
        return year - year_of(self.birth)


def make_households(rng: np.random.Generator, n: int, geo: Geography) -> tuple[np.ndarray, np.ndarray]:
    """Household sizes (disabled members) and villages, sizes summing to n."""
    sizes = np.asarray(HOUSEHOLD_SIZES)[pick(rng, HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_SHARES, int(n / 1.2) + 16)]
    cum = np.cumsum(sizes)
    count = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(cum[count - 1] - n)
    weight = rng.lognormal(0.0, 0.4, len(geo.vil_code)) * np.where(geo.vil_community, 1.3, 1.0)
    village = rng.choice(len(geo.vil_code), size=count, p=weight / weight.sum())
    return sizes, village


def household_numbers(rng: np.random.Generator, village: np.ndarray) -> np.ndarray:
    """1-based household number within each village, in random order."""
    frame = pd.DataFrame({"v": village, "r": rng.permutation(len(village))})
    frame = frame.sort_values(["v", "r"])
    number = np.empty(len(village), dtype=np.int64)
    number[frame.index.to_numpy()] = frame.groupby("v").cumcount().to_numpy() + 1
    return number


def unique_id_bases(rng: np.random.Generator, area: np.ndarray, ymd: np.ndarray, male: np.ndarray) -> np.ndarray:
    """17-digit ID bases, redrawing the sequence number where two persons collide."""
    seq = rng.integers(0, 500, len(area)) * 2 + male  # 17th digit odd for men
    base = id_base(area, ymd, seq)
    while True:  # a handful of rounds at most, each vectorised
        _, first = np.unique(base, return_index=True)
        dup = np.ones(len(base), dtype=bool)
        dup[first] = False
        if not dup.any():
            return base
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + male[dup]
        base = id_base(area, ymd, seq)


def random_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random 2-3 character Chinese names."""
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    given = np.array(GIVEN_CHARS)
    first = given[rng.integers(0, len(given), n)]
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return np.char.add(np.char.add(surname, first), second)


def make_persons(seed: int, n: int, geo: Geography, period: Period) -> tuple[Persons, np.ndarray]:
    """Persons and households; returns them and the names (file only)."""
    rng = section_rng(seed, 3)
    sizes, hh_village = make_households(rng, n, geo)
    hh_no = household_numbers(rng, hh_village)
    order = np.lexsort((hh_no, hh_village))  # file order: by village, then household
    sizes, hh_village, hh_no = sizes[order], hh_village[order], hh_no[order]
    hh_code = np.char.add(np.char.add("H", geo.vil_code[hh_village]), zpad(hh_no, 5))
    street = geo.vil_community[hh_village]
    hh_tuopin = rng.random(len(sizes)) < np.where(street, TUOPIN_STREET, TUOPIN_RURAL)

    hh = np.repeat(np.arange(len(sizes)), sizes)
    village = hh_village[hh]
    child = rng.random(n) < CHILD_SHARE
    age = np.where(child, rng.integers(0, CHILD_MAX_AGE + 1, n), 17 + np.floor(78 * rng.beta(2.4, 1.5, n)))
    birth = period.until_end - (age * 365.25 + rng.uniform(60, 365, n)).astype(np.int64)
    male = (rng.random(n) < MALE_SHARE).astype(np.int64)
    cat = np.where(child, pick(rng, CATEGORIES, CHILD_CATEGORY_SHARES, n), pick(rng, CATEGORIES, CATEGORY_SHARES, n))
    lvl = pick(rng, LEVELS, LEVEL_SHARES, n)
    dibao = rng.random(n) < np.asarray(DIBAO_BY_LEVEL)[lvl]
    cancelled = rng.random(n) < np.where(age >= 70, CANCEL_OLD, CANCEL_YOUNG)
    lo = np.maximum(ISSUE_START, birth + np.timedelta64(30, "D"))
    span = (period.until_end - lo).astype(np.int64) + 1
    issue = lo + np.floor(rng.random(n) ** 1.4 * span).astype(np.int64)  # the 2008-2012 rollout weighs early

    elsewhere = int(COUNTY_PREFIX[:4]) * 100 + rng.integers(2, 30, n)  # born in a neighbouring county
    area = np.where(rng.random(n) < HOME_AREA_SHARE, int(COUNTY_PREFIX), elsewhere)
    base = unique_id_bases(rng, area, yyyymmdd(birth), male)
    cert = certificate_numbers(base, id_check_chars(base), cat, lvl)
    persons = Persons(cert, male.astype(bool), birth, cat, lvl, hh, village, geo.vil_town[village], dibao, cancelled,
                      issue, hh_code, hh_village, hh_tuopin)
    return persons, random_names(rng, n)


def persons_frame(p: Persons, names: np.ndarray, geo: Geography) -> pd.DataFrame:
    """持证残疾人 rows for the good persons."""
    yes_no = np.array(["否", "是"])
    return pd.DataFrame({
        "残疾人证号": p.cert,
        "姓名": names,
        "性别": np.where(p.sex_male, "男", "女"),
        "出生日期": date_text(p.birth),
        "残疾类别": np.array(CATEGORIES)[p.cat],
        "残疾等级": np.array(LEVELS)[p.lvl],
        "户编号": p.hh_code[p.hh],
        "村社区代码": geo.vil_code[p.village],
        "是否低保": yes_no[p.dibao.astype(int)],
        "是否脱贫户": yes_no[p.hh_tuopin[p.hh].astype(int)],
        "证件状态": np.where(p.cancelled, "注销", "正常"),
        "发证日期": date_text(p.issue),
    })


def fresh_ids(rng: np.random.Generator, taken: set[str], count: int, period: Period) -> np.ndarray:
    """Valid-looking certificate numbers that belong to nobody."""
    out: list[str] = []
    while len(out) < count:  # a few draws, almost never repeated
        birth = np.datetime64("1950-01-01") + rng.integers(0, 20000, count)
        birth = np.minimum(birth, period.until_end - np.timedelta64(400, "D"))
        area = np.full(count, int(COUNTY_PREFIX[:4]) * 100 + 31) + rng.integers(0, 9, count)  # areas no person uses
        base = id_base(area, yyyymmdd(birth), rng.integers(0, 1000, count))
        cert = certificate_numbers(base, id_check_chars(base), rng.integers(0, 7, count), rng.integers(0, 4, count))
        out += [c for c in cert if c not in taken and c not in out]
    return np.array(out[:count])


def bad_person_rows(rng: np.random.Generator, good: pd.DataFrame, p: Persons, geo: Geography,
                    period: Period) -> Planted:
    """Planted 持证残疾人 rows: new persons with one fault each, plus later repeats of existing ones."""
    n = len(good)
    taken = set(p.cert.tolist())
    donors = good.iloc[rng.choice(n, 8, replace=False)].reset_index(drop=True)
    rows: list[pd.Series] = []
    reasons: list[str] = []

    def fresh(k: int) -> pd.Series:
        """Donor k with a new person's valid ID (matching its category/level) and a household of its own."""
        row = donors.iloc[k].copy()
        new = fresh_ids(rng, taken, 1, period)[0]
        taken.add(new)
        digits = str(CATEGORIES.index(row["残疾类别"]) + 1) + str(LEVELS.index(row["残疾等级"]) + 1)
        row["残疾人证号"] = new[:18] + digits
        row["出生日期"] = f"{new[6:10]}-{new[10:12]}-{new[12:14]}"
        row["户编号"] = row["户编号"][:13] + f"{BAD_PERSON_HOUSEHOLD_BASE + k:05d}"
        return row

    def add(row: pd.Series, reason: str) -> None:
        """Keep one planted row."""
        rows.append(row)
        reasons.append(reason)

    row = fresh(0)  # bad_id: a wrong check digit
    cert = row["残疾人证号"]
    row["残疾人证号"] = cert[:17] + next(c for c in "0123456789X" if c != cert[17]) + cert[18:]
    add(row, "bad_id")
    row = fresh(1)  # bad_id: an impossible birth date, check digit right for the digits as written
    cert = row["残疾人证号"]
    base = np.array([int(cert[:6] + "19990231" + cert[14:17])])
    row["残疾人证号"] = f"{base[0]}{id_check_chars(base)[0]}{cert[18:]}"
    row["出生日期"] = "1999-02-31"
    add(row, "bad_id")
    row = fresh(2)  # id_mismatch: the category digit disagrees
    cert = row["残疾人证号"]
    row["残疾人证号"] = cert[:18] + str(int(cert[18]) % 7 + 1) + cert[19]
    add(row, "id_mismatch")
    row = fresh(3)  # id_mismatch: the level digit disagrees
    cert = row["残疾人证号"]
    row["残疾人证号"] = cert[:19] + str(int(cert[19]) % 4 + 1)
    add(row, "id_mismatch")
    # unknown_region: a village number the township lacks, and a county that isn't ours
    for k, code in ((4, geo.town_code[0][:9] + "999"), (5, COUNTY_PREFIX[:4] + "02" + "001201")):
        row = fresh(k)
        row["村社区代码"] = code
        row["户编号"] = "H" + code + row["户编号"][-5:]
        add(row, "unknown_region")
    for k, text in zip((6, 7), BAD_CATEGORIES, strict=True):  # unknown_category; the ID keeps a valid digit
        row = fresh(k)
        row["残疾类别"] = text
        add(row, "unknown_category")
    before = list(rng.integers(0, n + 1, len(rows)))
    for original in rng.choice(n - 1, 2, replace=False):  # duplicate_id: a later exact repeat
        add(good.iloc[original].copy(), "duplicate_id")
        before.append(int(rng.integers(original + 1, n + 1)))
    return pd.DataFrame(rows).reset_index(drop=True), reasons, np.array(before)


# ============================================================================ subsidies
@dataclass
class Payments:
    """Payment rows as codes: person (into ids), type (into types), month index, amount in fen."""

    pid: np.ndarray
    typ: np.ndarray
    mi: np.ndarray
    fen: np.ndarray


def standards(table: dict[int, int], years: range) -> np.ndarray:
    """元/月 per year, indexed by year - FIRST_YEAR."""
    return np.array([table.get(y, LATEST_STANDARD) for y in years], dtype=np.int64)


def make_payments(seed: int, p: Persons, geo: Geography, period: Period) -> tuple[Payments, Payments]:
    """Monthly payments from max(2021-01, issue month) to --until; also a sample of missed keys."""
    rng = section_rng(seed, 4)
    n_town = len(geo.town_code)
    never_paid = rng.uniform(0.0, NEVER_PAID_MAX, n_town)
    years = period.years
    std = [standards(LIVING_STANDARD, years), standards(NURSING_STANDARD, years)]
    criteria = [p.dibao, p.lvl <= 1]
    groups = []
    for typ, meets in enumerate(criteria):  # two subsidy types
        idx = np.flatnonzero(meets & p.normal)
        idx = idx[rng.random(len(idx)) >= never_paid[p.town[idx]]]
        end = np.full(len(idx), period.until_mi)
        gone = np.flatnonzero(meets & p.cancelled)
        gone = gone[rng.random(len(gone)) < CANCELLED_PAID_SHARE]
        idx = np.concatenate([idx, gone])
        start = np.maximum(period.first_mi, month_of(p.issue[idx]))
        gone_start = start[len(end):]
        gone_end = gone_start + np.floor(rng.random(len(gone)) * (period.until_mi - gone_start)).astype(np.int64)
        end = np.concatenate([end, gone_end])  # paid until some month before --until
        extra = np.where((typ == 1) & (p.lvl[idx] == 0), NURSING_LEVEL1_EXTRA, 0)
        order = np.argsort(idx, kind="stable")
        groups.append((idx[order].astype(np.int32), start[order], end[order], extra[order]))

    chunks: list[tuple] = []
    missed: list[tuple] = []
    prev_missed = [np.zeros(len(g[0]), dtype=bool) for g in groups]
    for mi in range(period.first_mi, period.until_mi + 1):  # one step per month
        year_i = mi // 12 - FIRST_YEAR
        for typ, (idx, start, end, extra) in enumerate(groups):
            active = (start <= mi) & (end >= mi)
            miss = active & (rng.random(len(idx)) < MISS_RATE)
            paid = active & ~miss
            backpay = prev_missed[typ] & (rng.random(len(idx)) < BACKPAY_RATE)
            fen = (std[typ][year_i] + extra) * 100 * np.where(backpay, 2, 1)
            prev_missed[typ] = miss
            count = int(paid.sum())  # narrow dtypes: tens of millions of rows at 2M persons
            chunks.append((idx[paid], np.full(count, typ, np.int8), np.full(count, mi, np.int32),
                           fen[paid].astype(np.int32)))
            gaps = np.flatnonzero(miss)[:5]
            missed.append((idx[gaps], np.full(len(gaps), typ, np.int8), np.full(len(gaps), mi, np.int32),
                           fen[gaps].astype(np.int32)))
    return _stack(chunks), _stack(missed)


def _stack(chunks: list[tuple]) -> Payments:
    """Concatenate payment chunks (already in their final dtypes)."""
    return Payments(*(np.concatenate([c[i] for c in chunks]) for i in range(4)))


def payments_file_name(year: int, rows: int) -> str:
    """2021 as XLSX (CSV when too large for one sheet); later years CSV."""
    if year == FIRST_YEAR:
        return f"两项补贴发放_{year}.xlsx" if rows <= XLSX_MAX_DATA_ROWS else f"两项补贴发放_{year}.csv"
    return f"两项补贴发放_{year}.csv"


def payments_encoding(year: int) -> str:
    """Later years alternate GBK and UTF-8 with BOM."""
    return GBK if (year - FIRST_YEAR) % 2 == 1 else UTF8_BOM


def payment_columns(pay: Payments, ids: np.ndarray, types: list[str]) -> list[tuple[np.ndarray, list[str]]]:
    """The 4 contract columns as (codes, labels)."""
    lo = int(pay.mi.min())
    months = month_text(np.arange(lo, int(pay.mi.max()) + 1)).tolist()
    uniq, inverse = np.unique(pay.fen, return_inverse=True)
    amounts = [f"{v / 100:.2f}" for v in uniq]
    return [(pay.pid, ids.tolist()), (pay.typ, types), (pay.mi - lo, months), (inverse.reshape(-1), amounts)]


def payment_frame(pay: Payments, ids: np.ndarray, types: list[str]) -> pd.DataFrame:
    """The 4 contract columns as a frame of categoricals (object labels: cheap to convert)."""
    columns = payment_columns(pay, ids, types)
    return pd.DataFrame({
        name: pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(labels, dtype=object), dtype=object))
        for name, (codes, labels) in zip(PAYMENT_COLUMNS, columns, strict=True)
    })


def unpaid_keys(rng: np.random.Generator, pay: Payments, missed: Payments, n_persons: int, period: Period,
                k: int) -> list[tuple[int, int, int]]:
    """k distinct (person, type, month) keys with no payment: missed months, else persons never paid that type."""
    picked = rng.choice(len(missed.pid), min(k, len(missed.pid)), replace=False)
    keys = [(int(missed.pid[g]), int(missed.typ[g]), int(missed.mi[g])) for g in picked]
    while len(keys) < k:  # only tiny populations get here
        typ = len(keys) % 2
        free = np.setdiff1d(np.arange(n_persons), pay.pid[pay.typ == typ])
        key = (int(rng.choice(free)), typ, int(rng.integers(period.first_mi, period.until_mi + 1)))
        if key not in keys:
            keys.append(key)
    return keys


def plant_payments(rng: np.random.Generator, pay: Payments, missed: Payments, n_persons: int,
                   period: Period) -> tuple[Payments, list[str], np.ndarray]:
    """Planted 两项补贴发放 rows as codes, their reasons, and for duplicates the row they repeat (else -1)."""
    rows: list[tuple[int, int, int, int]] = []
    reasons: list[str] = []
    originals: list[int] = []
    for key, amount in zip(unpaid_keys(rng, pay, missed, n_persons, period, len(BAD_AMOUNTS)), BAD_AMOUNTS,
                           strict=True):  # keys nobody was paid for: only the amount is wrong
        rows.append((*key, round(amount * 100)))
    reasons += ["bad_amount"] * len(BAD_AMOUNTS)
    for k, r in enumerate(rng.choice(len(pay.pid), 2, replace=False)):
        rows.append((pay.pid[r], pay.typ[r], period.until_mi + FUTURE_MONTHS_AHEAD + k, pay.fen[r]))
    reasons += ["future_month"] * 2
    for k, r in enumerate(rng.choice(len(pay.pid), 2, replace=False)):
        rows.append((n_persons + k, pay.typ[r], pay.mi[r], pay.fen[r]))  # ids past the persons' are unknown
    reasons += ["unknown_person"] * 2
    for k, r in enumerate(rng.choice(len(pay.pid), 2, replace=False)):
        rows.append((pay.pid[r], 2 + k, pay.mi[r], pay.fen[r]))  # types past the two are unknown
    reasons += ["unknown_type"] * 2
    originals += [-1] * len(rows)
    for r in rng.choice(len(pay.pid), 2, replace=False):
        rows.append((pay.pid[r], pay.typ[r], pay.mi[r], pay.fen[r]))
        originals.append(int(r))
    reasons += ["duplicate_payment"] * 2
    cols = list(zip(*rows, strict=True))
    bad = Payments(np.array(cols[0], np.int32), np.array(cols[1], np.int8), np.array(cols[2], np.int32),
                   np.array(cols[3], np.int32))
    return bad, reasons, np.array(originals)


def take_payments(pay: Payments, take: np.ndarray) -> Payments:
    """Rows of a payment table in a given order."""
    return Payments(pay.pid[take], pay.typ[take], pay.mi[take], pay.fen[take])


def join_payments(a: Payments, b: Payments) -> Payments:
    """Concatenate two payment tables."""
    return Payments(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in ("pid", "typ", "mi", "fen")))


def write_payments(out: Path, seed: int, p: Persons, geo: Geography, period: Period, bad_rows: bool,
                   unknown: np.ndarray, manifest: list[tuple[str, int, str]], keep: dict | None = None
                   ) -> dict[str, int]:
    """两项补贴发放_YYYY files, one per year, with planted rows scattered among them (the good payments
    are left in `keep["pay"]` for the partner registers)."""
    pay, missed = make_payments(seed, p, geo, period)
    if keep is not None:
        keep["pay"] = pay
    rng = section_rng(seed, 5)
    ids = np.concatenate([p.cert, unknown[:2]])
    types = [LIVING, NURSING, *BAD_PAYMENT_TYPES]
    year_first = np.searchsorted(pay.mi, np.array(period.years) * 12)  # rows are month-major
    if bad_rows:
        bad, reasons, originals = plant_payments(rng, pay, missed, len(p.cert), period)
        bad_year = np.minimum(bad.mi // 12, period.until_year)  # the future months go in the last file
    written: dict[str, int] = {}
    for y, year in enumerate(period.years):  # one file per year
        lo = year_first[y]
        hi = year_first[y + 1] if y + 1 < len(year_first) else len(pay.mi)
        table = take_payments(pay, np.arange(lo, hi))
        planted: list[tuple[int, str]] = []
        if bad_rows and (mine := np.flatnonzero(bad_year == year)).size:
            n = hi - lo
            before = rng.integers(0, n + 1, len(mine))
            dup = originals[mine] >= 0
            # a duplicate goes somewhere after the row it repeats
            after = originals[mine][dup] - lo + 1
            before[dup] = after + np.floor(rng.random(int(dup.sum())) * (n + 1 - after)).astype(np.int64)
            take, positions = scatter_positions(n, before)
            table = take_payments(join_payments(table, take_payments(bad, mine)), take)
            planted = [(int(pos) + 1, reasons[i]) for pos, i in zip(positions, mine, strict=True)]
        name = payments_file_name(year, len(table.pid))
        manifest += [(name, row, reason) for row, reason in planted]
        if name.endswith(".xlsx"):
            cells = payment_frame(table, ids, types).astype(object)
            cells["发放金额"] = table.fen / 100  # a number cell, as Excel holds it
            rows = write_xlsx(out / name, [("Sheet1", cells)])
        else:
            rows = write_coded_csv(out / name, PAYMENT_COLUMNS, payment_columns(table, ids, types),
                                   payments_encoding(year))
        print(f"wrote {name}: {rows:,} rows")
        written[name] = rows
    return written


# ============================================================================ monitoring
def household_flags(p: Persons) -> tuple[np.ndarray, np.ndarray]:
    """Per household: has a severe (一/二级) member, has a 低保 member."""
    severe = np.zeros(len(p.hh_code), dtype=bool)
    severe[p.hh[p.lvl <= 1]] = True
    dibao = np.zeros(len(p.hh_code), dtype=bool)
    dibao[p.hh[p.dibao]] = True
    return severe, dibao


def measure_texts(rng: np.random.Generator, n: int) -> np.ndarray:
    """1-3 distinct measures per row, joined by '；' (some by ';')."""
    count = pick(rng, [1, 2, 3], MEASURE_COUNT_SHARES, n) + 1
    chosen = np.argsort(rng.random((n, len(MEASURES))), axis=1)[:, :3]
    none = len(MEASURES)  # marks an unused slot
    slot2 = np.where(count >= 2, chosen[:, 1], none)
    slot3 = np.where(count >= 3, chosen[:, 2], none)
    ascii_sep = rng.random(n) < ASCII_SEPARATOR_SHARE
    key = ((chosen[:, 0] * 9 + slot2) * 9 + slot3) * 2 + ascii_sep
    uniq, inverse = np.unique(key, return_inverse=True)
    texts = []
    for k in uniq:  # one per distinct combination (a few hundred at most)
        sep = ";" if k % 2 else "；"
        k //= 2
        slots = [k // 81, (k // 9) % 9, k % 9]
        texts.append(sep.join(MEASURES[s] for s in slots if s != none))
    return np.array(texts)[inverse.reshape(-1)]


def monitoring_frame(seed: int, p: Persons, geo: Geography, period: Period) -> pd.DataFrame:
    """监测户: ~5.5% of households, typed, with risks, measures and eliminations."""
    rng = section_rng(seed, 6)
    n_hh = len(p.hh_code)
    severe, dibao = household_flags(p)
    weight = 1.0 + severe + dibao
    counts = rng.multinomial(round(MONITOR_SHARE * n_hh), MONITOR_TYPE_SHARES)
    unstable = weighted_sample(rng, weight * p.hh_tuopin, counts[0])  # must have left poverty
    rest = weight * ~p.hh_tuopin
    edge = weighted_sample(rng, rest, counts[1])
    rest = weight.copy()
    rest[np.concatenate([unstable, edge])] = 0
    sudden = weighted_sample(rng, rest, counts[2])
    hh = np.concatenate([unstable, edge, sudden])
    kind = np.repeat([0, 1, 2], [len(unstable), len(edge), len(sudden)])
    m = len(hh)
    first = np.datetime64(f"{FIRST_YEAR}-01-01")
    span = (period.until_end - first).astype(np.int64) + 1
    enrol = first + np.floor(rng.random(m) ** 1.2 * span).astype(np.int64)  # the 2021 drive enrolled most
    cleared = enrol + rng.integers(90, 913, m)  # 3-30 months later
    has_cleared = (rng.random(m) < ELIMINATED_SHARE) & (cleared <= period.until_end)
    measures = measure_texts(rng, m)
    measures = np.where(~has_cleared & (rng.random(m) < NO_MEASURE_SHARE), "", measures)
    frame = pd.DataFrame({
        "户编号": p.hh_code[hh],
        "监测类别": np.array(MONITOR_TYPES)[kind],
        "纳入日期": date_text(enrol),
        "主要风险": np.array(RISKS)[pick(rng, RISKS, RISK_SHARES, m)],
        "帮扶措施": measures,
        "风险消除日期": date_text(cleared, has_cleared),
    })
    return frame.sort_values("户编号", kind="stable").reset_index(drop=True)


def bad_monitoring_rows(rng: np.random.Generator, good: pd.DataFrame, geo: Geography) -> Planted:
    """Planted 监测户 rows whose household no certificate holder belongs to."""
    rows = good.iloc[rng.choice(len(good), 2, replace=False)].copy().reset_index(drop=True)
    villages = geo.vil_code[rng.choice(len(geo.vil_code), 2, replace=False)]
    rows["户编号"] = [f"H{v}{UNKNOWN_HOUSEHOLD_BASE + k:05d}" for k, v in enumerate(villages)]
    return rows, ["unknown_household"] * 2, rng.integers(0, len(good) + 1, 2)


# ============================================================================ rehabilitation
def rehab_frame(seed: int, p: Persons, geo: Geography, period: Period) -> pd.DataFrame:
    """康复服务: yearly needs (1-2 service types) and whether and when they were met."""
    rng = section_rng(seed, 7)
    n = len(p.cert)
    serve_rate = rng.permutation(np.linspace(*SERVE_RATE_RANGE, len(geo.town_code)))
    frames = []
    for year in period.years:  # one step per year
        start, end = np.datetime64(f"{year}-01-01"), period.year_end(year)
        child = p.age_in(year) <= CHILD_MAX_AGE
        need = p.normal & (p.issue <= end) & (rng.random(n) < np.where(child, NEED_CHILD, NEED_ADULT))
        idx = np.flatnonzero(need)
        elapsed = min(1.0, ((end - start).astype(np.int64) + 1) / 365)  # a part year has served fewer yet
        served = rng.random(len(idx)) < serve_rate[p.town[idx]] * (0.5 + 0.5 * elapsed)
        lo = np.maximum(start, p.issue[idx])
        days = (end - lo).astype(np.int64) + 1
        date = lo + np.floor(rng.random(len(idx)) * days).astype(np.int64)
        date2 = lo + np.floor(rng.random(len(idx)) * days).astype(np.int64)  # the second service, another day
        first = pick(rng, SERVICES, SERVICE_SHARES, len(idx))
        two = rng.random(len(idx)) < TWO_SERVICES_SHARE
        second = (first + 1 + rng.integers(0, len(SERVICES) - 1, len(idx))) % len(SERVICES)
        who = np.concatenate([idx, idx[two]])
        order = np.argsort(who, kind="stable")
        kinds = np.concatenate([first, second[two]])[order]
        dates = date_text(np.concatenate([date, date2[two]]), np.concatenate([served, served[two]]))[order]
        frames.append(pd.DataFrame({"残疾人证号": p.cert[who[order]], "年度": year,
                                    "服务类型": np.array(SERVICES)[kinds], "服务日期": dates}))
    return pd.concat(frames, ignore_index=True)


def bad_rehab_rows(rng: np.random.Generator, good: pd.DataFrame, unknown: np.ndarray) -> Planted:
    """Planted 康复服务 rows: persons nobody holds, service types off the list."""
    rows = good.iloc[rng.choice(len(good), 4, replace=False)].copy().reset_index(drop=True)
    rows.loc[0:1, "残疾人证号"] = unknown[:2]
    rows.loc[2:3, "服务类型"] = BAD_SERVICE_TYPES
    return rows, ["unknown_person"] * 2 + ["unknown_type"] * 2, rng.integers(0, len(good) + 1, 4)


# ============================================================================ employment
def point_inside(rng: np.random.Generator, area) -> tuple[float, float]:
    """A random point well inside a polygon."""
    inner = area.buffer(-BASE_INSET_M)
    if inner.is_empty:
        inner = area.buffer(-BASE_INSET_M / 10)
    x, y = random_points(rng, inner, 1)[0]
    return float(x), float(y)


def bases_frame(seed: int, persons: int, geo: Geography, period: Period) -> pd.DataFrame:
    """就业基地: 15-30 bases (more for a larger population) at points inside their village."""
    rng = section_rng(seed, 8)
    n = int(rng.integers(BASE_COUNT_RANGE[0], BASE_COUNT_RANGE[1] + 1))
    n *= max(1, round(math.sqrt(persons / BASE_PERSONS)))
    vil = np.sort(rng.choice(len(geo.vil_code), min(n, len(geo.vil_code)), replace=False))
    n = len(vil)
    kind = np.where(geo.vil_community[vil], rng.integers(0, 2, n), pick(rng, BASE_TYPES, [0.3, 0.15, 0.25, 0.3], n))
    xy = np.array([point_inside(rng, geo.vil_geom[v]) for v in vil])  # one per base (tens)
    lon, lat = Transformer.from_crs(CRS_PROJECTED, CRS_WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])
    placed = rng.integers(3, 41, n)
    width = max(3, len(str(n + 10)))
    return pd.DataFrame({
        "基地编号": np.char.add("JD", zpad(np.arange(1, n + 1), width)),
        "基地名称": np.char.add(geo.vil_name[vil], np.array([BASE_SUFFIX[t] for t in BASE_TYPES])[kind]),
        "基地类型": np.array(BASE_TYPES)[kind],
        "村社区代码": geo.vil_code[vil],
        "经度": np.round(lon, 6),
        "纬度": np.round(lat, 6),
        "安置残疾人数": placed,
        "带动户数": placed + rng.integers(0, 2 * placed + 1),
        "扶持资金": np.round(rng.uniform(5, 50, n), 1),
        "认定年度": rng.integers(BASE_FIRST_YEAR, period.until_year + 1, n),
    })


def bad_base_rows(rng: np.random.Generator, good: pd.DataFrame) -> Planted:
    """Planted 就业基地 rows coded to a village their township lacks (point still in that township)."""
    rows = good.iloc[rng.choice(len(good), 2, replace=False)].copy().reset_index(drop=True)
    width = len(good["基地编号"].iloc[0]) - 2
    rows["基地编号"] = [f"JD{len(good) + 1 + k:0{width}d}" for k in range(2)]
    rows["村社区代码"] = [code[:9] + f"{998 - k}" for k, code in enumerate(rows["村社区代码"])]
    rows["基地名称"] = rows["基地名称"].str.replace("基地", "示范基地", regex=False)
    return rows, ["unknown_region"] * 2, rng.integers(0, len(good) + 1, 2)


def jobs_frame(seed: int, p: Persons, geo: Geography, period: Period, bases: pd.DataFrame) -> pd.DataFrame:
    """就业情况: ~10% of working-age holders a year, some linked to a base of their township."""
    rng = section_rng(seed, 9)
    n = len(p.cert)
    form = pick(rng, JOB_FORMS, JOB_FORM_SHARES, n)
    farming, flexible = JOB_FORMS.index("农村种养殖"), JOB_FORMS.index("灵活就业")
    form = np.where(geo.vil_community[p.village] & (form == farming), flexible, form)  # no fields in a 社区
    linked_form = np.isin(np.array(JOB_FORMS)[form], BASE_LINKED_FORMS)
    core = rng.random(n)
    base_town = np.searchsorted(geo.town_code, np.char.add(np.array([c[:9] for c in bases["村社区代码"]]), "000"))
    base_year = bases["认定年度"].to_numpy()
    base_code = bases["基地编号"].to_numpy()
    frames = []
    for year in period.years:  # one step per year
        rate = rng.uniform(*JOB_RATE_RANGE)
        age = p.age_in(year)
        able = p.normal & (p.issue <= period.year_end(year)) & (age >= WORKING_AGE[0]) & (age <= WORKING_AGE[1])
        works = able & ((core < rate * JOB_PERSISTENT) | (rng.random(n) < rate * (1 - JOB_PERSISTENT)))
        idx = np.flatnonzero(works)
        # bases recognised by this year, grouped by township
        open_ = np.flatnonzero(base_year <= year)
        open_ = open_[np.argsort(base_town[open_], kind="stable")]
        first = np.searchsorted(base_town[open_], np.arange(len(geo.town_code)))
        count = np.searchsorted(base_town[open_], np.arange(len(geo.town_code)), side="right") - first
        town = p.town[idx]
        link = linked_form[idx] & (count[town] > 0) & (rng.random(len(idx)) < BASE_LINK_SHARE)
        slot = first[town] + np.floor(rng.random(len(idx)) * np.maximum(count[town], 1)).astype(np.int64)
        base = np.where(link, base_code[open_[np.minimum(slot, max(len(open_) - 1, 0))]] if len(open_) else "", "")
        frames.append(pd.DataFrame({"残疾人证号": p.cert[idx], "年度": year,
                                    "就业形式": np.array(JOB_FORMS)[form[idx]], "基地编号": base}))
    return pd.concat(frames, ignore_index=True)


# ============================================================================ accessibility and care
def access_frame(seed: int, p: Persons, period: Period, scale: float) -> pd.DataFrame:
    """无障碍改造: ~100-160 households a year, most done within the year or early the next."""
    rng = section_rng(seed, 10)
    years = list(period.years)
    per_year = np.round(rng.integers(ACCESS_PER_YEAR[0], ACCESS_PER_YEAR[1] + 1, len(years)) * scale).astype(np.int64)
    need = np.zeros(len(p.hh_code), dtype=bool)
    need[p.hh[(p.lvl <= 1) & np.isin(p.cat, [0, 3, 6])]] = True  # severe visual, physical, multiple
    hh = weighted_sample(rng, 1.0 + 3.0 * need, int(per_year.sum()))
    hh = hh[rng.permutation(len(hh))]
    year = np.repeat(years, per_year[: len(years)])[: len(hh)]
    plan_start = month_start(year * 12)
    finished = plan_start + rng.integers(60, 420, len(hh))
    done_rate = rng.uniform(*ACCESS_DONE_RANGE, len(years))[year - FIRST_YEAR]
    done = (rng.random(len(hh)) < done_rate) & (finished <= period.until_end)
    mean, sd, lo, hi = ACCESS_AMOUNT
    amount = np.clip(np.round(rng.normal(mean, sd, len(hh))), lo, hi)
    frame = pd.DataFrame({"户编号": p.hh_code[hh], "计划年度": year, "完成日期": date_text(finished, done),
                          "改造金额": [f"{a:.2f}" for a in amount]})
    return frame.sort_values(["计划年度", "户编号"], kind="stable").reset_index(drop=True)


def care_frame(seed: int, p: Persons, period: Period, scale: float) -> pd.DataFrame:
    """托养服务: ~250-400 persons a year, mostly intellectual/psychosocial/multiple and severe."""
    rng = section_rng(seed, 11)
    n = len(p.cert)
    kind = pick(rng, CARE_TYPES, CARE_TYPE_SHARES, n)  # a person keeps one kind of care
    weight = (1.0 + 3.0 * np.isin(p.cat, [4, 5, 6])) * np.where(p.lvl <= 1, 2.0, 1.0)
    previous = np.zeros(n, dtype=bool)
    frames = []
    for year in period.years:  # one step per year
        present = p.normal & (p.issue <= period.year_end(year))
        k = round(int(rng.integers(CARE_PER_YEAR[0], CARE_PER_YEAR[1] + 1)) * scale)
        idx = weighted_sample(rng, weight * present * np.where(previous, 30.0, 1.0), k)  # most stay on
        previous[:] = False
        previous[idx] = True
        frames.append(pd.DataFrame({"残疾人证号": p.cert[idx], "年度": year,
                                    "托养类型": np.array(CARE_TYPES)[kind[idx]]}))
    return pd.concat(frames, ignore_index=True)


# ============================================================================ partner registers
REGISTER_TABLES = ["民政低保特困", "死亡人员", "乡村振兴监测对象"]
DIBAO_COLUMNS = ["身份证号", "姓名", "救助类型", "起始年月", "终止年月"]
DEATH_COLUMNS = ["身份证号", "姓名", "死亡日期", "来源"]
RURAL_COLUMNS = ["身份证号", "姓名", "户编号", "监测类别", "纳入日期", "风险消除日期"]
REGISTER_FIRST_MONTH = "2018-01"  # the 民政 list reaches back before the payments (FIRST_YEAR)
DIBAO_MISSING, DIBAO_ENDED, DIBAO_NEW = 0.04, 0.03, 0.01  # of 低保 holders; of the others: newly on 低保
RURAL_MISSING, RURAL_EXTRA = 0.07, 0.015  # monitored holders missing from 乡村振兴; unmonitored ones on it
OTHERS_PER_HOLDER = 2.0  # rows of people without a certificate per matched row (most of a 民政 list)
SHORT_ID_SHARE, LOWER_X_SHARE = 0.04, 0.5  # matched rows written as a 15-digit ID; an X written as x


def stranger_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid 18-digit IDs of people without a certificate (areas no holder and no planted row uses)."""
    birth = np.datetime64("1940-01-01") + rng.integers(0, 25000, n)
    area = int(COUNTY_PREFIX[:4]) * 100 + rng.integers(40, 90, n)
    base = np.unique(id_base(area, yyyymmdd(birth), rng.integers(0, 1000, n)))
    return np.char.add(base.astype(str), id_check_chars(base))


def written_ids(rng: np.random.Generator, ids: np.ndarray) -> np.ndarray:
    """IDs as a partner's export writes them: some 15-digit (born 19xx), some with a lower-case x."""
    ids = np.asarray(ids, dtype=str)
    out = ids.copy()
    short = (rng.random(len(ids)) < SHORT_ID_SHARE) & np.array([i[6:8] == "19" for i in ids], dtype=bool)
    out[short] = [i[:6] + i[8:17] for i in ids[short]]
    lower = ~short & np.char.endswith(ids, "X") & (rng.random(len(ids)) < LOWER_X_SHARE)
    out[lower] = np.char.lower(ids[lower])
    return out


def bad_register_rows(rng: np.random.Generator, good: pd.DataFrame, tweaks: list[tuple[str, str, str]]) -> Planted:
    """Planted rows of a register: a copy of a random good row with (column, value, reason) each."""
    rows, reasons = [], []
    ids = stranger_ids(rng, len(tweaks) + 4)
    for k, (column, value, reason) in enumerate(tweaks):
        row = good.iloc[int(rng.integers(0, len(good)))].copy()
        row["身份证号"] = ids[k]
        row[column] = value(ids[k]) if callable(value) else value
        rows.append(row)
        reasons.append(reason)
    return pd.DataFrame(rows).reset_index(drop=True), reasons, rng.integers(0, len(good) + 1, len(rows))


BAD_ID_TWEAKS = [
    ("身份证号", lambda i: i[:17] + next(c for c in "0123456789X" if c != i[17]), "bad_id"),  # check digit
    ("身份证号", lambda i: i[:6] + "19990231" + i[14:17] + "0", "bad_id"),  # no such date
    ("身份证号", lambda i: i[:16], "bad_id"),  # 16 characters
    ("身份证号", lambda i: i[:6] + "991332" + i[14:17], "bad_id"),  # 15 digits, month 13
    ("身份证号", "", "missing_value"),
]


def shuffled(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a random order (a partner's export is not sorted like ours)."""
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def register_frames(seed: int, p: Persons, names: np.ndarray, period: Period, pay: Payments,
                    monitoring: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three partner registers of the county (good rows), with discrepancies planted against our data:
    低保 holders missing from or ended on the 民政 list, new 低保 not yet paid, deaths in the middle of a payment
    run, deaths never cancelled, monitored households missing from 乡村振兴 and the reverse; plus people
    without a certificate, 15-digit IDs and lower-case x."""
    rng = section_rng(seed, 20)
    m, n = period.until_mi, len(p.cert)
    ids18 = np.char.ljust(p.cert, 20).astype("U18")
    first = month_index(REGISTER_FIRST_MONTH)

    # 民政低保特困: current records for 低保 holders (some missing, some ended), new 低保 among the others.
    holders = np.flatnonzero(p.dibao & p.normal)
    keep = holders[rng.random(len(holders)) >= DIBAO_MISSING]
    ended = rng.random(len(keep)) < DIBAO_ENDED
    newcomers = np.flatnonzero(~p.dibao & p.normal)
    newcomers = newcomers[rng.random(len(newcomers)) < DIBAO_NEW]
    who = np.concatenate([keep, newcomers])
    start = np.concatenate([rng.integers(first, m - 6, len(keep)), m - rng.integers(0, 3, len(newcomers))])
    end = np.concatenate([np.where(ended, m - 1 - rng.integers(0, 6, len(keep)), -1), np.full(len(newcomers), -1)])
    end = np.where(end >= 0, np.maximum(end, start), -1)
    stranger = stranger_ids(rng, int(len(who) * OTHERS_PER_HOLDER))
    s_start = rng.integers(first, m + 1, len(stranger))
    s_end = np.where(rng.random(len(stranger)) < 0.2, np.minimum(m, s_start + rng.integers(0, 24, len(stranger))), -1)
    dibao = pd.DataFrame({
        "身份证号": np.concatenate([written_ids(rng, ids18[who]), stranger]),
        "姓名": np.concatenate([names[who], random_names(rng, len(stranger))]),
        "救助类型": np.where(rng.random(len(who) + len(stranger)) < 0.1, "特困", "低保"),
        "起始年月": month_text(np.concatenate([start, s_start])),
        "终止年月": np.where(np.concatenate([end, s_end]) >= 0, month_text(np.concatenate([end, s_end])), ""),
    })

    # 死亡人员: cancelled holders (after their last payment), deaths in the middle of a payment run, deaths
    # before the payments began, never cancelled.
    paid_months = pd.DataFrame({"pid": pay.pid, "mi": pay.mi}).groupby("pid")["mi"].agg(["min", "max", "size"])
    cancelled = np.flatnonzero(p.cancelled)
    dead = cancelled[rng.random(len(cancelled)) < 0.6]
    last = paid_months["max"].reindex(dead).to_numpy()
    death_mi = np.where(np.isnan(last), m - rng.integers(0, 36, len(dead)), np.nan_to_num(last)).astype(np.int64)
    paid_now = np.unique(pay.pid[pay.mi == m])
    paid_now = paid_now[p.normal[paid_now]]
    mid_run = rng.choice(paid_now, min(len(paid_now), max(4, n // 400)), replace=False)
    mid_mi = m - rng.integers(1, 5, len(mid_run))
    long_paid = paid_months.index[(paid_months["size"] >= 6) & p.cancelled[paid_months.index.to_numpy()]].to_numpy()
    gone = np.setdiff1d(long_paid, dead)[:2]  # cancelled later, but paid on after the death
    gone_mi = paid_months["max"].reindex(gone).to_numpy().astype(np.int64) - 2
    never_paid = np.setdiff1d(np.flatnonzero(p.normal), paid_months.index.to_numpy())
    early = rng.choice(never_paid, min(len(never_paid), max(3, n // 800)), replace=False)
    early_mi = first + rng.integers(0, 24, len(early))
    who = np.concatenate([dead, mid_run, gone, early])
    death_mi = np.concatenate([death_mi, mid_mi, gone_mi, early_mi])
    day = rng.integers(0, 28, len(who))
    dates = month_start(death_mi) + day
    dates = np.minimum(dates, period.until_end)
    second = np.minimum(dates[len(dead):len(dead) + 1] + 9, period.until_end)
    twice = mid_run[:1]  # reported by two sources, the second a few days later
    stranger = stranger_ids(rng, int(len(who) * OTHERS_PER_HOLDER))
    s_dates = month_start(rng.integers(first, m + 1, len(stranger))) + rng.integers(0, 28, len(stranger))
    death = pd.DataFrame({
        "身份证号": np.concatenate([written_ids(rng, ids18[who]), ids18[twice], stranger]),
        "姓名": np.concatenate([names[who], names[twice], random_names(rng, len(stranger))]),
        "死亡日期": date_text(np.concatenate([dates, second, s_dates])),
        "来源": np.concatenate([np.array(["公安", "民政", "卫健"])[rng.integers(0, 3, len(who))], ["民政"],
                              np.array(["公安", "民政", "卫健"])[rng.integers(0, 3, len(stranger))]]),
    })

    # 乡村振兴监测对象: the holders of households monitored at the end of M (some missing), some holders of
    # other households, records ended before M, members without a certificate.
    end_m = period.until_end
    enrolled = pd.to_datetime(monitoring["纳入日期"]).to_numpy().astype("datetime64[D]")
    cleared = pd.to_datetime(monitoring["风险消除日期"].replace("", None)).to_numpy().astype("datetime64[D]")
    code_of = dict(zip(monitoring["户编号"], range(len(monitoring)), strict=True))
    row_of = np.array([code_of.get(c, -1) for c in p.hh_code[p.hh]])
    in_list = row_of >= 0
    who = np.flatnonzero(in_list & (rng.random(n) >= RURAL_MISSING))
    r_enrol = enrolled[row_of[who]] + rng.integers(0, 10, len(who))
    r_enrol = np.minimum(r_enrol, end_m)
    r_clear = cleared[row_of[who]]
    extra = np.flatnonzero(~in_list & p.normal & (rng.random(n) < RURAL_EXTRA))
    x_enrol = month_start(m - rng.integers(1, 30, len(extra))) + rng.integers(0, 28, len(extra))
    x_clear = np.where(rng.random(len(extra)) < 0.3, month_start(first + rng.integers(0, 12, len(extra))),
                       np.datetime64("NaT"))
    x_enrol = np.where(~np.isnat(x_clear), x_clear - 200, x_enrol)  # ended long before M: not live
    stranger = stranger_ids(rng, int((len(who) + len(extra)) * OTHERS_PER_HOLDER))
    s_enrol = month_start(rng.integers(first, m + 1, len(stranger))) + rng.integers(0, 28, len(stranger))
    s_enrol = np.minimum(s_enrol, end_m)
    everyone = np.concatenate([who, extra])
    enrol_all = np.concatenate([r_enrol, x_enrol, s_enrol])
    clear_all = np.concatenate([r_clear, x_clear, np.full(len(stranger), np.datetime64("NaT"))])
    rural = pd.DataFrame({
        "身份证号": np.concatenate([written_ids(rng, ids18[everyone]), stranger]),
        "姓名": np.concatenate([names[everyone], random_names(rng, len(stranger))]),
        "户编号": np.char.add("XC", zpad(rng.integers(0, 10**8, len(everyone) + len(stranger)), 8)),
        "监测类别": np.array(MONITOR_TYPES)[rng.integers(0, 3, len(everyone) + len(stranger))],
        "纳入日期": date_text(enrol_all),
        "风险消除日期": date_text(np.where(np.isnat(clear_all), enrol_all, clear_all), ~np.isnat(clear_all)),
    })
    return {"民政低保特困": shuffled(rng, dibao), "死亡人员": shuffled(rng, death), "乡村振兴监测对象": shuffled(rng, rural)}


def write_registers(out: Path, seed: int, p: Persons, names: np.ndarray, period: Period, pay: Payments,
                    monitoring: pd.DataFrame, bad_rows: bool, manifest: list[tuple[str, int, str]]) -> dict[str, int]:
    """民政低保特困.xlsx, 死亡人员 in two files (公安 as GBK CSV without 来源, the rest as UTF-8), 乡村振兴监测对象.csv."""
    frames = register_frames(seed, p, names, period, pay, monitoring)
    rng = section_rng(seed, 21)
    future = month_text(period.until_mi + FUTURE_MONTHS_AHEAD)
    tweaks = {
        "民政低保特困": [*BAD_ID_TWEAKS, ("救助类型", "临时救助", "unknown_type"), ("起始年月", "2024-13", "bad_date"),
                   ("起始年月", future, "future_date")],
        "死亡人员": [*BAD_ID_TWEAKS, ("死亡日期", "2023-02-30", "bad_date"), ("死亡日期", future + "-01", "future_date")],
        "乡村振兴监测对象": [*BAD_ID_TWEAKS, ("纳入日期", "", "bad_date")],
    }
    written: dict[str, int] = {}
    dibao = frames["民政低保特困"]
    if bad_rows:
        dibao = plant("民政低保特困.xlsx", dibao, bad_register_rows(rng, dibao, tweaks["民政低保特困"]), manifest)
    emit(written, "民政低保特困.xlsx", write_xlsx(out / "民政低保特困.xlsx", [("低保特困", contract(dibao, DIBAO_COLUMNS))]))
    death = frames["死亡人员"]
    police = death[death["来源"] == "公安"].drop(columns="来源").reset_index(drop=True)
    others = contract(death[death["来源"] != "公安"].reset_index(drop=True), DEATH_COLUMNS)
    if bad_rows:
        others = plant("死亡人员_民政卫健.csv", others, bad_register_rows(rng, others, tweaks["死亡人员"]), manifest)
    emit(written, "死亡人员_公安.csv", write_csv(police, out / "死亡人员_公安.csv", GBK))
    emit(written, "死亡人员_民政卫健.csv", write_csv(others, out / "死亡人员_民政卫健.csv", UTF8))
    rural = contract(frames["乡村振兴监测对象"], RURAL_COLUMNS)
    if bad_rows:
        rural = plant("乡村振兴监测对象.csv", rural, bad_register_rows(rng, rural, tweaks["乡村振兴监测对象"]), manifest)
    emit(written, "乡村振兴监测对象.csv", write_csv(rural, out / "乡村振兴监测对象.csv", UTF8_BOM))
    return written


# ============================================================================ orchestration
def plant(name: str, good: pd.DataFrame, bad: Planted,
          manifest: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Scatter planted rows into a table and note them in the manifest."""
    rows, reasons, before = bad
    frame, numbers = insert_rows(good, rows, before)
    manifest += [(name, int(n), r) for n, r in zip(numbers, reasons, strict=True)]
    return frame


def clear_previous(out: Path) -> None:
    """Remove extract files an earlier run left (a stale 两项补贴发放 year would be imported too)."""
    for table in OUTPUT_TABLES:
        for path in out.glob(f"{table}*"):
            if path.is_file():
                path.unlink()
    (out / "planted_errors.csv").unlink(missing_ok=True)


def contract(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame, after making sure its header is exactly the contract's."""
    if list(frame.columns) != columns:
        raise AssertionError(f"header {list(frame.columns)} != contract {columns}")
    return frame


def emit(files: dict[str, int], name: str, rows: int) -> None:
    """Record and report one written file."""
    files[name] = rows
    print(f"wrote {name}: {rows:,} rows")


def check_until(until: str) -> str:
    """Validate --until as YYYY-MM, not before the first payment year."""
    try:
        year, month = (int(x) for x in until.split("-"))
    except ValueError as exc:
        raise ValueError(f"--until must be YYYY-MM, got {until!r}") from exc
    if len(until) != 7 or not 1 <= month <= 12 or year < FIRST_YEAR:
        raise ValueError(f"--until must be a month YYYY-MM from {FIRST_YEAR}-01 on, got {until!r}")
    return until


def generate(out_dir: Path, seed: int = 7, persons: int = BASE_PERSONS, until: str | None = None,
             bad_rows: bool = True, registers: bool = True) -> dict:
    """Write the whole extracts folder; returns what was written."""
    started = time.perf_counter()
    if not MIN_PERSONS <= persons <= MAX_PERSONS:
        raise ValueError(f"--persons must be between {MIN_PERSONS} and {MAX_PERSONS}")
    until = check_until(until or default_until())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clear_previous(out)
    period = Period(month_index(until))
    scale = persons / BASE_PERSONS
    rng = section_rng(seed, 0)  # for placing planted rows
    files: dict[str, int] = {}
    manifest: list[tuple[str, int, str]] = []

    geo = build_geography(seed, persons)
    emit(files, "行政区划.csv", write_csv(contract(regions_frame(seed, geo), REGION_COLUMNS), out / "行政区划.csv", GBK))
    write_boundaries(out, geo, bad_rows)

    p, names = make_persons(seed, persons, geo, period)
    frame = persons_frame(p, names, geo)
    taken = set(p.cert.tolist())
    if bad_rows:
        bad = bad_person_rows(rng, frame, p, geo, period)
        taken |= set(bad[0]["残疾人证号"])
        frame = plant("持证残疾人.csv", frame, bad, manifest)
    emit(files, "持证残疾人.csv", write_csv(contract(frame, PERSON_COLUMNS), out / "持证残疾人.csv", UTF8_BOM))
    unknown = fresh_ids(section_rng(seed, 12), taken, 4, period)

    frame = monitoring_frame(seed, p, geo, period)
    monitoring = frame
    if bad_rows:
        frame = plant("监测户.xlsx", frame, bad_monitoring_rows(rng, frame, geo), manifest)
    emit(files, "监测户.xlsx", write_xlsx(out / "监测户.xlsx", [("监测户", contract(frame, MONITOR_COLUMNS))]))

    kept: dict = {}
    files.update(write_payments(out, seed, p, geo, period, bad_rows, unknown, manifest, kept))
    if registers:
        files.update(write_registers(out, seed, p, names, period, kept["pay"], monitoring, bad_rows, manifest))

    frame = rehab_frame(seed, p, geo, period)
    if bad_rows:
        frame = plant("康复服务.csv", frame, bad_rehab_rows(rng, frame, unknown[2:]), manifest)
    emit(files, "康复服务.csv", write_csv(contract(frame, REHAB_COLUMNS), out / "康复服务.csv", GBK))

    bases = bases_frame(seed, persons, geo, period)
    frame = plant("就业基地.xlsx", bases, bad_base_rows(rng, bases), manifest) if bad_rows else bases
    emit(files, "就业基地.xlsx", write_xlsx(out / "就业基地.xlsx", [("就业基地", contract(frame, BASE_COLUMNS))]))
    frame = contract(jobs_frame(seed, p, geo, period, bases), JOB_COLUMNS)
    emit(files, "就业情况.csv", write_csv(frame, out / "就业情况.csv", UTF8))
    frame = contract(access_frame(seed, p, period, scale), ACCESS_COLUMNS)
    emit(files, "无障碍改造.csv", write_csv(frame, out / "无障碍改造.csv", GBK))
    frame = contract(care_frame(seed, p, period, scale), CARE_COLUMNS)
    emit(files, "托养服务.csv", write_csv(frame, out / "托养服务.csv", UTF8_BOM))

    planted = pd.DataFrame(manifest, columns=["file", "row", "reason"]).sort_values(["file", "row"])
    planted.to_csv(out / "planted_errors.csv", index=False, encoding=UTF8)
    print(f"wrote planted_errors.csv: {len(planted)} planted rows")
    seconds = time.perf_counter() - started
    print(f"done in {seconds:.1f} s: {persons:,} persons, {len(geo.town_code)} townships, "
          f"{len(geo.vil_code)} villages, until {until}")
    return {"out_dir": str(out), "seed": seed, "persons": persons, "until": until, "files": files,
            "planted": len(planted), "townships": len(geo.town_code), "villages": len(geo.vil_code),
            "seconds": seconds}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m data.generate",
        description=f"Write a fictional county's ({COUNTY_NAME}, {COUNTY_CODE}) extracts folder in the form of "
        "shared/extracts.md: 行政区划, township and village boundaries (EPSG:4548), 持证残疾人, 监测户, "
        f"两项补贴发放 (one file per year from {FIRST_YEAR}), 康复服务, 就业基地, 就业情况, 无障碍改造, 托养服务, "
        "and the partner registers 民政低保特困, 死亡人员, 乡村振兴监测对象 (docs/compare.md), "
        "in mixed encodings (GBK, UTF-8, UTF-8 with BOM, XLSX). Deterministic for a given seed, persons and until.",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR",
                        help="folder to write (created if missing; extract files an earlier run left there are "
                        "replaced, other files are left alone)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--persons", type=int, default=BASE_PERSONS,
                        help=f"certificate holders (default {BASE_PERSONS}; townships and villages grow with "
                        f"the square root above that; {MIN_PERSONS}-{MAX_PERSONS})")
    parser.add_argument("--until", default=None, metavar="YYYY-MM",
                        help="last month of data (default: the last full calendar month before today)")
    parser.add_argument("--no-registers", dest="registers", action="store_false",
                        help="write no partner registers (民政低保特困, 死亡人员, 乡村振兴监测对象; by default they are "
                        "written with discrepancies planted against the county's payments and monitoring)")
    parser.add_argument("--no-bad-rows", dest="bad_rows", action="store_false",
                        help="plant no bad rows (and no unknown boundary feature); planted_errors.csv is then empty")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    args = parse_args(argv)
    try:
        generate(args.out_dir, seed=args.seed, persons=args.persons, until=args.until, bad_rows=args.bad_rows,
                 registers=args.registers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
