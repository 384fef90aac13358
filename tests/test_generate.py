"""The demo generator: file contract, encodings, IDs, geography, determinism and the planted-error manifest.

The checks here re-derive everything from the written files with their own small validator, so the
manifest is tested for exact agreement with what a strict importer would reject.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from data.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SEED, PERSONS, UNTIL = 7, 3000, "2024-12"

HEADERS = {
    "行政区划": ["区划代码", "名称", "级别", "上级区划代码"],
    "持证残疾人": ["残疾人证号", "姓名", "性别", "出生日期", "残疾类别", "残疾等级", "户编号", "村社区代码",
              "是否低保", "是否脱贫户", "证件状态", "发证日期"],
    "监测户": ["户编号", "监测类别", "纳入日期", "主要风险", "帮扶措施", "风险消除日期"],
    "两项补贴发放": ["残疾人证号", "补贴类型", "发放年月", "发放金额"],
    "康复服务": ["残疾人证号", "年度", "服务类型", "服务日期"],
    "就业基地": ["基地编号", "基地名称", "基地类型", "村社区代码", "经度", "纬度", "安置残疾人数", "带动户数",
             "扶持资金", "认定年度"],
    "就业情况": ["残疾人证号", "年度", "就业形式", "基地编号"],
    "无障碍改造": ["户编号", "计划年度", "完成日期", "改造金额"],
    "托养服务": ["残疾人证号", "年度", "托养类型"],
}
# file -> encoding as the brief states it ("xlsx" for workbooks)
ENCODINGS = {
    "行政区划.csv": "gbk",
    "持证残疾人.csv": "utf-8-sig",
    "监测户.xlsx": "xlsx",
    "两项补贴发放_2021.xlsx": "xlsx",
    "两项补贴发放_2022.csv": "gbk",
    "两项补贴发放_2023.csv": "utf-8-sig",
    "两项补贴发放_2024.csv": "gbk",
    "康复服务.csv": "gbk",
    "就业基地.xlsx": "xlsx",
    "就业情况.csv": "utf-8",
    "无障碍改造.csv": "gbk",
    "托养服务.csv": "utf-8-sig",
}
CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
LEVELS = ["一级", "二级", "三级", "四级"]
SUBSIDIES = ["困难残疾人生活补贴", "重度残疾人护理补贴"]
SERVICES = ["康复训练", "辅助器具适配", "康复医疗", "支持性服务"]
BASE_TYPES = ["就业基地", "辅助性就业机构", "阳光大棚", "合作社"]
JOB_FORMS = ["按比例就业", "公益性岗位", "自主创业", "灵活就业", "辅助性就业", "农村种养殖"]
CARE_TYPES = ["机构托养", "居家托养", "日间照料"]
MONITOR_TYPES = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
ABSURD_AMOUNT = 10_000  # 元 a month: no standard comes close


# ---------------------------------------------------------------- independent helpers
def id_valid(cert: str) -> bool:
    """GB 11643: 17 digits with a real birth date, then the right check character."""
    if len(cert) < 18 or not cert[:17].isdigit():
        return False
    try:
        dt.date(int(cert[6:10]), int(cert[10:12]), int(cert[12:14]))
    except ValueError:
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(cert[:17], weights, strict=True))
    return cert[17] == "10X98765432"[total % 11]


def read(path: Path) -> pd.DataFrame:
    """A CSV (encoding sniffed) or the first sheet of an XLSX, all as strings, empty cells as ''."""
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "gbk"
    return pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)


def files_of(folder: Path, table: str) -> list[Path]:
    """The data files of one table."""
    return sorted(p for p in folder.glob(f"{table}*") if p.suffix in (".csv", ".xlsx"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One small generated county."""
    out = tmp_path_factory.mktemp("gen")
    generate(out, seed=SEED, persons=PERSONS, until=UNTIL)
    return out


@pytest.fixture(scope="module")
def planted(folder) -> pd.DataFrame:
    """The manifest of planted bad rows."""
    return pd.read_csv(folder / "planted_errors.csv", dtype={"row": int})


@pytest.fixture(scope="module")
def persons(folder) -> pd.DataFrame:
    """持证残疾人 with its 1-based data row."""
    frame = read(folder / "持证残疾人.csv")
    return frame.assign(_row=range(1, len(frame) + 1))


@pytest.fixture(scope="module")
def good_persons(persons, planted) -> pd.DataFrame:
    """Persons minus the planted rows."""
    bad = set(planted.loc[planted["file"] == "持证残疾人.csv", "row"])
    return persons[~persons["_row"].isin(bad)]


def manifest_of(planted: pd.DataFrame, name: str) -> set[tuple[int, str]]:
    """(row, reason) pairs the manifest lists for one file."""
    rows = planted[planted["file"] == name]
    return set(zip(rows["row"], rows["reason"], strict=True))


# ---------------------------------------------------------------- contract
def test_every_file_exists_with_contract_headers(folder):
    for table, header in HEADERS.items():
        paths = files_of(folder, table)
        assert paths, table
        for path in paths:
            assert list(read(path).columns) == header, path.name
    years = [p.stem.split("_")[1] for p in files_of(folder, "两项补贴发放")]
    assert years == ["2021", "2022", "2023", "2024"]
    for part in ("乡镇边界.gpkg", "村边界.shp", "村边界.dbf", "村边界.shx", "村边界.prj", "村边界.cpg"):
        assert (folder / part).exists(), part
    assert (folder / "村边界.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")


def test_encodings_as_stated(folder):
    for name, encoding in ENCODINGS.items():
        raw = (folder / name).read_bytes()
        if encoding == "xlsx":
            assert raw[:2] == b"PK", name
            continue
        assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig"), name
        text = raw.decode(encoding)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), name  # there is Chinese to get wrong
        if encoding == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")


def test_values_stay_in_the_vocabularies(folder, planted):
    def good(table: str) -> pd.DataFrame:
        frames = []
        for path in files_of(folder, table):
            frame = read(path)
            bad = {r for r, _ in manifest_of(planted, path.name)}
            frames.append(frame[[i + 1 not in bad for i in range(len(frame))]])
        return pd.concat(frames, ignore_index=True)

    regions = good("行政区划")
    assert set(regions["级别"]) == {"县", "乡镇", "村"}
    assert regions["区划代码"].str.fullmatch(r"990101\d{6}").all()
    assert regions["区划代码"].is_unique
    assert (regions["上级区划代码"] == "").sum() > 1  # some parents are left for the prefix to give
    towns = regions[regions["级别"] == "乡镇"]
    assert 25 <= len(towns) <= 35 and 300 <= (regions["级别"] == "村").sum() <= 500
    suffixes = {name[-2:] if name.endswith(("街道", "开发区")) else name[-1] for name in towns["名称"]}
    assert {"镇", "乡", "街道"} <= suffixes and any(n.endswith("开发区") for n in towns["名称"])
    assert towns["名称"].is_unique

    people = good("持证残疾人")
    vocabularies = {"性别": {"男", "女"}, "残疾类别": set(CATEGORIES), "残疾等级": set(LEVELS),
                    "是否低保": {"是", "否"}, "是否脱贫户": {"是", "否"}, "证件状态": {"正常", "注销"}}
    for column, vocabulary in vocabularies.items():
        assert set(people[column]) == vocabulary, column
    assert people["发证日期"].between("2008-01-01", "2024-12-31").all()
    assert (people["发证日期"] > people["出生日期"]).all()
    assert set(good("监测户")["监测类别"]) == set(MONITOR_TYPES)
    assert set(good("两项补贴发放")["补贴类型"]) == set(SUBSIDIES)
    assert set(good("康复服务")["服务类型"]) == set(SERVICES)
    assert set(good("就业基地")["基地类型"]) <= set(BASE_TYPES)
    assert set(good("就业情况")["就业形式"]) <= set(JOB_FORMS)
    assert set(good("托养服务")["托养类型"]) == set(CARE_TYPES)
    for table, column in (("监测户", "纳入日期"), ("监测户", "风险消除日期"), ("康复服务", "服务日期"),
                          ("无障碍改造", "完成日期")):
        dates = good(table)[column]
        dates = dates[dates != ""]
        assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all() and (dates <= "2024-12-31").all(), (table, column)


def test_certificate_numbers_valid_unique_and_agreeing(good_persons):
    certs = good_persons["残疾人证号"]
    assert certs.is_unique
    assert certs.map(id_valid).all()
    assert (certs.str[6:14] == good_persons["出生日期"].str.replace("-", "")).all()
    assert (certs.str[18].astype(int) == good_persons["残疾类别"].map(CATEGORIES.index) + 1).all()
    assert (certs.str[19].astype(int) == good_persons["残疾等级"].map(LEVELS.index) + 1).all()
    male = certs.str[16].astype(int) % 2 == 1  # GB 11643: odd sequence digit for men
    assert (male == (good_persons["性别"] == "男")).all()


def test_population_mix_is_plausible(good_persons):
    shares = good_persons["残疾类别"].value_counts(normalize=True)
    assert 0.38 < shares["肢体"] < 0.52
    level = good_persons["残疾等级"].value_counts(normalize=True)
    assert 0.28 < level["一级"] + level["二级"] < 0.38
    assert 0.13 < (good_persons["是否低保"] == "是").mean() < 0.23
    assert 0.01 < (good_persons["证件状态"] == "注销").mean() < 0.06
    sizes = good_persons.groupby("户编号").size()
    assert 1.15 < sizes.mean() < 1.35 and sizes.max() >= 3  # 一户多残 exists
    assert (good_persons.groupby("户编号")["村社区代码"].nunique() == 1).all()
    assert (good_persons["户编号"].str[1:13] == good_persons["村社区代码"]).all()


# ---------------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_differs(folder, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again, seed=SEED, persons=PERSONS, until=UNTIL)
    generate(other, seed=SEED + 1, persons=PERSONS, until=UNTIL)
    for name in ("持证残疾人.csv", "两项补贴发放_2022.csv", "planted_errors.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name
        assert (other / name).read_bytes() != (folder / name).read_bytes(), name


# ---------------------------------------------------------------- geography
def test_boundaries_projected_with_planted_code_and_one_township_missing(folder):
    regions = read(folder / "行政区划.csv")
    town_codes = set(regions.loc[regions["级别"] == "乡镇", "区划代码"])
    village_codes = set(regions.loc[regions["级别"] == "村", "区划代码"])
    towns = gpd.read_file(folder / "乡镇边界.gpkg")
    assert towns.crs.to_epsg() == 4548
    assert set(towns["区划代码"]) - town_codes == {"990101999000"}
    assert town_codes <= set(towns["区划代码"])
    assert towns.is_valid.all()
    real = towns[towns["区划代码"] != "990101999000"]
    assert real.geometry.union_all().area == pytest.approx(real.area.sum(), rel=1e-9)  # no overlaps
    villages = gpd.read_file(folder / "村边界.shp")
    assert villages.crs.to_epsg() == 4548
    assert villages["XZQDM"].is_unique and set(villages["XZQDM"]) <= village_codes
    missing = {c[:9] + "000" for c in village_codes - set(villages["XZQDM"])}
    assert len(missing) == 1  # all villages of one township have no boundary, every other village has one
    assert not {c[:9] + "000" for c in villages["XZQDM"]} & missing
    # villages tile their township
    for code, town in real.set_index("区划代码").geometry.items():
        if code in missing:
            continue
        mine = villages[villages["XZQDM"].str[:9] == code[:9]]
        assert mine.area.sum() == pytest.approx(town.area, rel=1e-6)


def test_bases_lie_inside_their_township(folder):
    towns = gpd.read_file(folder / "乡镇边界.gpkg").set_index("区划代码")
    bases = read(folder / "就业基地.xlsx")
    assert 15 <= len(bases) <= 34 and bases["基地编号"].is_unique
    x, y = Transformer.from_crs(4326, 4548, always_xy=True).transform(
        bases["经度"].astype(float).to_numpy(), bases["纬度"].astype(float).to_numpy())
    for code, px, py in zip(bases["村社区代码"], x, y, strict=True):
        polygon = towns.geometry[code[:9] + "000"]
        assert polygon.contains(gpd.points_from_xy([px], [py])[0]), code
    assert bases["安置残疾人数"].astype(int).between(3, 40).all()


# ---------------------------------------------------------------- domain shape
def test_subsidies_follow_eligibility_and_standards(folder, good_persons, planted):
    bad = {(name, row) for name, row in zip(planted["file"], planted["row"], strict=True)}
    frames = []
    for path in files_of(folder, "两项补贴发放"):
        frame = read(path)
        keep = [(path.name, i + 1) not in bad for i in range(len(frame))]
        frames.append(frame[keep])
    paid = pd.concat(frames).merge(good_persons, on="残疾人证号")
    living = paid[paid["补贴类型"] == SUBSIDIES[0]]
    nursing = paid[paid["补贴类型"] == SUBSIDIES[1]]
    assert (living["是否低保"] == "是").all()
    assert nursing["残疾等级"].isin(["一级", "二级"]).all()
    assert (paid["发放年月"].str[:7] >= paid["发证日期"].str[:7]).all()
    normal = good_persons[good_persons["证件状态"] == "正常"]
    eligible = set(normal.loc[normal["是否低保"] == "是", "残疾人证号"])
    covered = len(eligible & set(living["残疾人证号"])) / len(eligible)
    assert 0.9 < covered < 1.0  # some eligible persons were never paid
    assert (paid["证件状态"] == "注销").any()  # paid for a while before cancellation
    per_month = living[living["发放年月"] == "2023-06"]["发放金额"].astype(float)
    assert per_month.median() == 100


def test_rehab_service_rate_differs_by_township(folder, planted):
    rehab = read(folder / "康复服务.csv")
    bad = {r for r, _ in manifest_of(planted, "康复服务.csv")}
    rehab = rehab[[i + 1 not in bad for i in range(len(rehab))]]
    persons = read(folder / "持证残疾人.csv").drop_duplicates("残疾人证号")
    rehab = rehab.merge(persons[["残疾人证号", "村社区代码"]], on="残疾人证号")
    past = rehab[rehab["年度"] != "2024"].assign(served=lambda f: f["服务日期"] != "")
    rate = past.groupby(past["村社区代码"].str[:9])["served"].mean()
    assert rate.max() - rate.min() > 0.1
    assert 0.8 < past["served"].mean() < 0.95
    assert (rehab["服务日期"].str[:4].replace("", None).dropna() == rehab.loc[rehab["服务日期"] != "", "年度"]).all()


def test_monitoring_shape(folder, planted):
    monitor = read(folder / "监测户.xlsx")
    assert monitor["户编号"].is_unique
    open_ = monitor[monitor["风险消除日期"] == ""]
    closed = monitor[monitor["风险消除日期"] != ""]
    assert len(closed) > len(monitor) * 0.3 and (closed["风险消除日期"] > closed["纳入日期"]).all()
    assert (open_["帮扶措施"] == "").any() and not (closed["帮扶措施"] == "").any()
    assert monitor["帮扶措施"].str.contains("；").any() and monitor["帮扶措施"].str.contains(";").any()


# ---------------------------------------------------------------- the manifest
def rejects(folder: Path) -> dict[str, set[tuple[int, str]]]:
    """What a strict importer would reject, file by file: {file: {(row, reason)}}."""
    found: dict[str, set[tuple[int, str]]] = {}
    regions = set(read(folder / "行政区划.csv")["区划代码"])

    people = read(folder / "持证残疾人.csv")
    seen: set[str] = set()
    out = set()
    for row, rec in enumerate(people.to_dict("records"), start=1):
        cert = rec["残疾人证号"]
        if len(cert) != 20 or not id_valid(cert):
            out.add((row, "bad_id"))
        elif rec["残疾类别"] not in CATEGORIES:
            out.add((row, "unknown_category"))
        elif cert[18:] != f"{CATEGORIES.index(rec['残疾类别']) + 1}{LEVELS.index(rec['残疾等级']) + 1}":
            out.add((row, "id_mismatch"))
        elif rec["村社区代码"] not in regions:
            out.add((row, "unknown_region"))
        elif cert in seen:
            out.add((row, "duplicate_id"))
        seen.add(cert)
    found["持证残疾人.csv"] = out
    rejected = {people["残疾人证号"][r - 1] for r, reason in out if reason != "duplicate_id"}
    known = set(people["残疾人证号"]) - rejected
    households = set(people["户编号"])

    keys: set[tuple[str, str, str]] = set()
    for path in files_of(folder, "两项补贴发放"):
        out = set()
        for row, rec in enumerate(read(path).to_dict("records"), start=1):
            key = (rec["残疾人证号"], rec["补贴类型"], rec["发放年月"])
            if rec["补贴类型"] not in SUBSIDIES:
                out.add((row, "unknown_type"))
            elif not 0 < float(rec["发放金额"]) < ABSURD_AMOUNT:
                out.add((row, "bad_amount"))
            elif rec["发放年月"] > UNTIL:
                out.add((row, "future_month"))
            elif rec["残疾人证号"] not in known:
                out.add((row, "unknown_person"))
            elif key in keys:
                out.add((row, "duplicate_payment"))
            keys.add(key)
        found[path.name] = out

    rehab = read(folder / "康复服务.csv")
    found["康复服务.csv"] = {(row, "unknown_person" if c not in known else "unknown_type")
                           for row, (c, t) in enumerate(zip(rehab["残疾人证号"], rehab["服务类型"], strict=True), 1)
                           if c not in known or t not in SERVICES}
    bases = read(folder / "就业基地.xlsx")
    found["就业基地.xlsx"] = {(row, "unknown_region") for row, c in enumerate(bases["村社区代码"], 1)
                          if c not in regions}
    monitor = read(folder / "监测户.xlsx")
    found["监测户.xlsx"] = {(row, "unknown_household") for row, h in enumerate(monitor["户编号"], 1)
                         if h not in households}
    # tables with nothing planted must be clean
    good_bases = set(bases.loc[bases["村社区代码"].isin(regions), "基地编号"])
    jobs = read(folder / "就业情况.csv")
    assert jobs["残疾人证号"].isin(known).all() and jobs["基地编号"].isin(good_bases | {""}).all()
    assert read(folder / "托养服务.csv")["残疾人证号"].isin(known).all()
    assert read(folder / "无障碍改造.csv")["户编号"].isin(households).all()
    found.update(register_rejects(folder))
    return found


def citizen_id_ok(text: str) -> bool:
    """A register's ID (15 digits converted, lower-case x as X) is 18 characters with a real birth date and
    the right check digit."""
    text = text.strip().upper()
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        return False
    try:
        born = dt.datetime.strptime(text[6:14], "%Y%m%d").date()
    except ValueError:
        return False
    return born <= dt.date.today() and "10X98765432"[
        sum(int(c) * w for c, w in zip(text[:17], weights, strict=True)) % 11] == text[17]


def register_rejects(folder: Path) -> dict[str, set[tuple[int, str]]]:
    """The partner registers' bad rows, found by their own rules (registers.md)."""
    def date_ok(text: str, fmt: str) -> bool:
        try:
            dt.datetime.strptime(text, fmt)
            return True
        except ValueError:
            return False

    found: dict[str, set[tuple[int, str]]] = {}
    for path in [*files_of(folder, "民政低保特困"), *files_of(folder, "死亡人员"), *files_of(folder, "乡村振兴监测对象")]:
        out = set()
        for row, rec in enumerate(read(path).to_dict("records"), start=1):
            if not rec["身份证号"].strip():
                out.add((row, "missing_value"))
            elif not citizen_id_ok(rec["身份证号"]):
                out.add((row, "bad_id"))
            elif path.name.startswith("民政"):
                if rec["救助类型"] not in ("低保", "特困"):
                    out.add((row, "unknown_type"))
                elif not date_ok(rec["起始年月"], "%Y-%m"):
                    out.add((row, "bad_date"))
                elif rec["起始年月"] > UNTIL:
                    out.add((row, "future_date"))
            elif path.name.startswith("死亡"):
                if not date_ok(rec["死亡日期"], "%Y-%m-%d"):
                    out.add((row, "bad_date"))
                elif rec["死亡日期"][:7] > UNTIL:
                    out.add((row, "future_date"))
            elif not date_ok(rec["纳入日期"], "%Y-%m-%d"):
                out.add((row, "bad_date"))
        found[path.name] = out
    return found


def test_manifest_agrees_exactly_with_a_strict_validator(folder, planted):
    assert planted["row"].ge(1).all()
    expected = {name: manifest_of(planted, name) for name in set(planted["file"])}
    actual = {name: rows for name, rows in rejects(folder).items() if rows}
    assert actual == expected
    reasons = set(planted["reason"])
    assert reasons == {"bad_id", "id_mismatch", "unknown_region", "unknown_category", "duplicate_id", "bad_amount",
                       "future_month", "duplicate_payment", "unknown_person", "unknown_type", "unknown_household",
                       "missing_value", "bad_date", "future_date"}
    counts = planted.groupby(["file", "reason"]).size()
    assert counts.between(1, 4).all()


def test_planted_rows_look_bad(folder, planted, persons):
    people = persons.set_index("_row")
    for row in planted[planted["file"] == "持证残疾人.csv"].itertuples():
        rec = people.loc[row.row]
        if row.reason == "bad_id":
            assert not id_valid(rec["残疾人证号"])
        if row.reason == "duplicate_id":
            assert (persons.loc[persons["_row"] < row.row, "残疾人证号"] == rec["残疾人证号"]).any()
    amounts = []
    for row in planted[planted["reason"] == "bad_amount"].itertuples():
        amounts.append(float(read(folder / row.file).iloc[row.row - 1]["发放金额"]))
    assert sorted(amounts) == [-100.0, 0.0, 98000.0]


def test_no_bad_rows_option(tmp_path):
    generate(tmp_path, seed=3, persons=1000, until="2023-02")
    (tmp_path / "notes.txt").write_text("mine")
    summary = generate(tmp_path, seed=3, persons=1000, until="2022-03", bad_rows=False)
    assert not (tmp_path / "两项补贴发放_2023.csv").exists()  # a stale year would be imported
    assert (tmp_path / "notes.txt").exists()
    assert pd.read_csv(tmp_path / "planted_errors.csv").empty
    assert "990101999000" not in set(gpd.read_file(tmp_path / "乡镇边界.gpkg")["区划代码"])
    assert summary["files"]["持证残疾人.csv"] == 1000
    assert sorted(p.name for p in files_of(tmp_path, "两项补贴发放")) == ["两项补贴发放_2021.xlsx",
                                                                    "两项补贴发放_2022.csv"]
    months = read(tmp_path / "两项补贴发放_2022.csv")["发放年月"]
    assert months.max() == "2022-03"
    assert all(rows > 0 for rows in summary["files"].values())


@pytest.mark.slow  # subprocesses
def test_cli_help_and_bad_until(tmp_path):
    run = subprocess.run([sys.executable, "-m", "data.generate", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0
    for option in ("--seed", "--persons", "--until", "--no-bad-rows", "OUT_DIR"):
        assert option in run.stdout
    run = subprocess.run([sys.executable, "-m", "data.generate", str(tmp_path), "--until", "2019-13"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode != 0 and "--until" in run.stderr


def test_default_until_is_last_full_month():
    from data.generate import default_until

    assert default_until(dt.date(2026, 1, 15)) == "2025-12"
    assert default_until(dt.date(2026, 11, 1)) == "2026-10"
    assert np.datetime64(default_until() + "-01") < np.datetime64(dt.date.today(), "D")
