"""年度报告初稿: every number of the draft is a cell whose value equals the annual table or the page query it
cites (the appendix parsed back), no other number is in the text, the Word file holds the sections, the
table and the images, a half-year draft's numbers are the month-range queries', a township draft shows
no count of 1-4, and 总览 offers the draft to leaders and analysts only."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from conftest import open_app
from test_disclosure import assert_nothing_recoverable

from queries import dashboard, draft
from queries.common import Filters
from queries.coverage import Coverage, coverage
from queries.db import connect
from queries.report import annual_table, rate
from scripts import draft as draft_cli
from ui import auth
from ui.render import document

YEAR = 2024
CATS = {v: k for k, v in draft.CATEGORIES.items()}
LEVELS = {v: k for k, v in draft.LEVELS.items()}
REPORT = {"persons": "持证残疾人数", "monitored_unstable": "在监测户数_脱贫不稳定户",
          "monitored_marginal": "在监测户数_边缘易致贫户", "monitored_sudden": "在监测户数_突发严重困难户",
          "enrolled": "年内新纳入户数", "eliminated": "年内风险消除户数", "without_measure": "无帮扶措施户数",
          "living_persons": "生活补贴_人数", "nursing_persons": "护理补贴_人数", "rehab_need": "康复需求人数",
          "rehab_served": "康复已服务人数", "modification_planned": "无障碍改造_计划户数",
          "modification_completed": "无障碍改造_完成户数", "living_amount_yuan": "生活补贴_金额",
          "nursing_amount_yuan": "护理补贴_金额", "living_coverage": "生活补贴_覆盖率",
          "nursing_coverage": "护理补贴_覆盖率", "rehab_rate": "康复服务率"}


@pytest.fixture(scope="module")
def wh(duck_url):
    """The test warehouse."""
    return connect(duck_url)


@pytest.fixture(scope="module")
def town(wh) -> str:
    """A township of the test county."""
    regions = dashboard.regions(wh, "")
    return regions[regions["level"] == "township"]["region_code"].iloc[3]


def make(wh, half: int = 0, township: str = "") -> draft.Draft:
    """A draft of the test county (or a township) for 2024."""
    return draft.build(wh, coverage(wh), Filters(scope="", township=township), YEAR, half)


def shown_markdown(made: draft.Draft) -> str:
    """The draft's Markdown as a reader sees it: backslash escapes resolved, word joiners dropped (names are
    escaped in the file: queries/text.py)."""
    return re.sub(r"\\(.)", r"\1", document.markdown(made)).replace("\u2060", "")


def parse_appendix(markdown: str, made: draft.Draft | None = None) -> list[dict[str, str]]:
    """The appendix (附表2) back from the Markdown: one dict per number. 附表2 names no code key (a federation
    files it); with the draft given, each row gets its cell ('单元') from the draft's trace of the same row,
    after checking the row's number is the trace's."""
    rows = markdown.split("## 附表2")[1].splitlines()
    table = [r for r in rows if r.startswith("| ")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    parsed = [dict(zip(header, (c.strip() for c in r.strip("|").split("|")), strict=True)) for r in table[1:]]
    if made is not None:
        assert len(parsed) == len(made.traces)
        for row, trace in zip(parsed, made.traces, strict=True):
            assert row["数字"] == trace.text and row["指标"] == trace.metric, (row, trace)
            row["单元"] = trace.cell
    return parsed


def body(markdown: str) -> str:
    """The sections' text (before 说明)."""
    return markdown.split("## 说明")[0]


class Expected:
    """The value each cell of the draft must have, computed from the queries and the annual table
    (independently of the draft's Publication)."""

    def __init__(self, wh, half: int, township: str = "") -> None:
        self.wh, self.f = wh, Filters(scope="", township=township)
        self.first, self.last = draft.HALVES[half]
        self.half = half
        self.units = {y: dashboard.unit_table(wh, self.f, y) for y in (YEAR - 1, YEAR)}
        self.table = annual_table(wh, YEAR, self.f)
        self.codes = dict(zip(self.table["区划代码"], self.table.index, strict=True))
        self.total_row = self.table.iloc[-1]

    def unit_value(self, column: str, unit: str, year: int = YEAR) -> float:
        """A unit-table column of a unit (or the total) from the page query; report.md columns from the
        annual table itself."""
        if column in REPORT and year == YEAR:
            row = self.total_row if unit == "total" else self.table.loc[self.codes[unit]]
            return float(row[REPORT[column]] if row[REPORT[column]] is not None else "nan")
        units = self.units[year]
        if column.endswith("_rate") or column.endswith("_coverage"):
            num, den = {"rehab_rate": ("rehab_served", "rehab_need"),
                        "living_coverage": ("living_eligible_paid", "living_eligible"),
                        "nursing_coverage": ("nursing_eligible_paid", "nursing_eligible"),
                        "modification_rate": ("modification_completed", "modification_planned")}[column]
            rows = units if unit == "total" else units[units["unit_code"] == unit]
            value = rate(rows[num].sum(), rows[den].sum())
            return float("nan") if value is None else value
        if unit == "total":
            if column == "rehab_short":
                return draft_shortfall(units["rehab_served"].sum(), units["rehab_need"].sum(), 85)
            if column == "modification_short":
                return draft_shortfall(units["modification_completed"].sum(), units["modification_planned"].sum(), 90)
            return float(units[column].sum())
        return float(units.loc[units["unit_code"] == unit, column].iloc[0])

    def months(self, year: int) -> tuple[str, str]:
        """The period's months in `year` as 'YYYY-MM'."""
        return f"{year}-{self.first:02d}", f"{year}-{self.last:02d}"

    def value(self, cell: str) -> float:
        """The expected value of a cell of the draft."""
        name, _, unit = cell.partition("@")
        prev = name.startswith("prev:")
        name = name.removeprefix("prev:")
        if prev:
            return self.unit_value(name, unit, YEAR - 1)
        if name.startswith("change_half_"):
            return self.value(f"half_{name[12:]}@total") - self.value(f"prev_half_{name[12:]}@total")
        if name.startswith("change_"):
            column = name[7:]
            return self.unit_value(column, "total") - self.unit_value(column, "total", YEAR - 1)
        if name in ("cat_persons", "level_persons"):
            narrowed = Filters(scope="", township=self.f.township, category=CATS.get(unit, 0), level=LEVELS.get(unit, 0))
            return float(dashboard.unit_table(self.wh, narrowed, YEAR)["persons"].sum())
        if name == "severe_register":
            return self.value("level_persons@一级") + self.value("level_persons@二级")
        if name == "end_monitored":
            end = dashboard.monitoring_year_end(self.wh, self.f, YEAR, (self.first, self.last))["risks"]
            return float(end["households"].sum() if unit == "total" else end.loc[end["monitor_type"] == unit,
                                                                                   "households"].sum())
        if name == "half_without_measure":  # at the end of June (test_scoped checks the query against pandas)
            end = dashboard.monitoring_year_end(self.wh, self.f, YEAR, (self.first, self.last))["risks"]
            return float(end["without_measure"].sum())
        if name.endswith(("half_enrolled", "half_eliminated")):
            year = YEAR - 1 if name.startswith("prev_") else YEAR
            flow = dashboard.monitoring_by_month(self.wh, self.f, *self.months(year))
            return float(flow[name.rsplit("_", 1)[1]].sum())
        if name == "year_mean":
            path = dashboard.monitoring_year_end(self.wh, self.f, YEAR, (self.first, self.last))["path"]
            return float(path["months_in_year"].sum()) / float(path["eliminated_in_year"].sum())
        if name in ("ytd_amount", "prev_amount", "ytd_persons", "prev_persons", "ytd_eligible_paid"):
            year = YEAR - 1 if name.startswith("prev") else YEAR
            if name.endswith("amount"):
                paid = dashboard.subsidy_by_month(self.wh, self.f, *self.months(year))
                return float(paid["amount_yuan"].sum() if unit == "total"
                             else paid.loc[paid["subsidy_code"] == unit, "amount_yuan"].sum())
            persons = dashboard.subsidy_persons_to_month(self.wh, self.f, YEAR, self.last)
            row = persons[(persons["year"] == year) & (persons["subsidy_code"] == unit)]
            return float(row["eligible_paid" if name == "ytd_eligible_paid" else "persons"].sum())
        if name.startswith("yoy_"):
            now, before = self.value(f"ytd_{name[4:]}@{unit}"), self.value(f"prev_{name[4:]}@{unit}")
            return round((now - before) / before * 100, 1)
        if name == "ytd_coverage":
            value = rate(self.value(f"ytd_eligible_paid@{unit}"), self.unit_value(f"{unit}_eligible", "total"))
            return float("nan") if value is None else value
        if name == "ytd_unpaid":
            return self.unit_value(f"{unit}_eligible", "total") - self.value(f"ytd_eligible_paid@{unit}")
        if name in ("below_units", "below_short"):
            units = self.units[YEAR]
            below = units[units["rehab_rate"] < 85]
            return float(len(below) if name == "below_units" else below["rehab_short"].sum())
        if name.startswith(("kid_", "cat_")):
            groups = dashboard.rehab_by_group(self.wh, self.f, YEAR)
            if name.startswith("kid_"):
                groups = groups[groups["is_child"]]
            if unit != "total":
                groups = groups[groups["category_code"] == CATS[unit]]
            if name.endswith("_rate"):
                value = rate(groups["served_persons"].sum(), groups["need_persons"].sum())
                return float("nan") if value is None else value
            return float(groups[name.split("_", 1)[1]].sum())
        if name in ("bases", "base_list", "lifted", "funding"):
            bases = dashboard.employment_bases(self.wh, self.f, YEAR)
            return {"bases": len(bases), "base_list": bases["placed_persons"].sum(),
                    "lifted": bases["households_lifted"].sum(), "funding": bases["funding_wan_yuan"].sum() * 10_000}[name]
        if name == "form":
            forms = dashboard.employment_by_form(self.wh, self.f)
            forms = forms[forms["year"] == YEAR]
            return float(forms["persons"].sum() if unit == "total" else forms.loc[forms["form"] == unit, "persons"].sum())
        if name in ("spent", "per_household"):
            row = dashboard.modification_by_year(self.wh, self.f)
            row = row[row["plan_year"] == YEAR]
            spent = float(row["completed_amount_yuan"].sum())
            return spent if name == "spent" else spent / float(row["completed"].sum())
        if name == "care":
            care = dashboard.care_by_type(self.wh, self.f)
            care = care[care["year"] == YEAR]
            return float(care["persons"].sum() if unit == "total" else care.loc[care["care_type"] == unit, "persons"].sum())
        return self.unit_value(name, unit)


def draft_shortfall(numerator: float, denominator: float, target: int) -> float:
    """People (households) short of a target rate, independently of queries.metrics."""
    import math

    return float(max(0, math.ceil(target * denominator / 100 - 1e-9) - numerator)) if denominator else 0.0


def number_of(text: str) -> tuple[float, str]:
    """'1,234人' → (1234, '人'); '61.12万元' → (611200, '万元'); '95.6%' → (95.6, '%')."""
    match = re.fullmatch(r"([\d,]+(?:\.\d+)?)(.*)", text)
    assert match, text
    value, unit = float(match.group(1).replace(",", "")), match.group(2)
    return (value * 10_000, unit) if unit == "万元" else (value, unit)


def check_numbers(markdown: str, expected: Expected, made: draft.Draft) -> int:
    """Every appendix row's number equals the expected value of its cell; returns how many were shown."""
    shown = 0
    for row in parse_appendix(markdown, made):
        cell, text = row["单元"], row["数字"]
        want = expected.value(cell)
        if text.startswith("<5"):
            assert 1 <= abs(want) <= 4, (cell, text, want)
        elif text in ("×", "—"):
            continue  # withheld (the disclosure tests check what may be withheld)
        else:
            assert text.startswith("-") == (want < 0), (cell, text, want)  # a fall keeps its sign in 附表2
            value, unit = number_of(text.removeprefix("-"))
            if unit == "万元":
                assert value == pytest.approx(round(abs(want) / 10_000, 2) * 10_000, abs=0.01), (cell, text, want)
            elif unit in ("%", "个百分点", "个月", "元/户"):
                digits = 0 if unit == "元/户" else 1
                assert value == pytest.approx(round(abs(want), digits), abs=0.051 if digits else 0.51), (cell, text, want)
            else:
                assert value == abs(want), (cell, text, want)
            shown += 1
    return shown


@pytest.mark.parametrize("half", [0, 1])
def test_every_number_equals_its_query(wh, half):
    made = make(wh, half)
    text = shown_markdown(made)
    rows = parse_appendix(text)
    assert len(rows) == len(made.traces) > 40
    assert check_numbers(text, Expected(wh, half), made) > 30
    assert [h for h, _ in made.sections] == list(draft.SECTIONS)


def test_whole_year_matches_the_annual_table(wh):
    made = make(wh)
    total = annual_table(wh, YEAR, Filters(scope="")).iloc[-1]
    pub = made.pub
    assert pub.value("ytd_amount@living") == pytest.approx(total["生活补贴_金额"])  # 1-12月 = the year's
    assert pub.value("ytd_persons@nursing") == total["护理补贴_人数"]
    ends = sum(pub.value(f"end_monitored@{t}") for t in draft.TYPES.values())
    assert ends == sum(total[c] for c in ("在监测户数_脱贫不稳定户", "在监测户数_边缘易致贫户", "在监测户数_突发严重困难户"))
    assert f"持证残疾人{int(total['持证残疾人数']):,}人" in shown_markdown(made)


def test_half_year_uses_the_months(wh):
    whole, half = make(wh), make(wh, 1)
    flow = dashboard.monitoring_by_month(wh, Filters(scope=""), f"{YEAR}-01", f"{YEAR}-06")
    assert half.pub.value("half_enrolled@total") == flow["enrolled"].sum()
    assert half.pub.value("half_enrolled@total") < whole.pub.value("half_enrolled@total")
    paid = dashboard.subsidy_by_month(wh, Filters(scope=""), f"{YEAR}-01", f"{YEAR}-06")
    assert half.pub.value("ytd_amount@total") == pytest.approx(paid["amount_yuan"].sum())
    text = shown_markdown(half)
    assert f"{YEAR}年1-6月" in text and "较上年同期" in text
    assert "按年度登记，不分月份" in text  # yearly datasets say what they are


def test_no_other_number_in_the_text(wh, town):
    for made in (make(wh), make(wh, 1), make(wh, 0, town)):
        text = body(shown_markdown(made))
        for trace in sorted(made.traces, key=lambda t: -len(t.text)):
            text = text.replace(trace.text.removeprefix("-"), "")  # the prose says a fall in words
        # words for a withheld number ('不足5户', '另有2个乡镇不足5人') are not numbers of the data
        text = re.sub(r"另有\d+个|不足5|\d{4}年|\d{1,2}-\d{1,2}月|\d{1,2}月|85%|90%|0-16岁", "", text)
        assert not re.search(r"\d", text), re.findall(r".{0,12}\d.{0,12}", text)


def test_township_draft_shows_no_small_count(wh, town):
    made = make(wh, 0, town)
    assert made.pub.suppressed
    assert_nothing_recoverable(made.pub)
    text = shown_markdown(made)
    assert made.unit_word == "村（社区）" and "<5" in text.split("## 说明")[1]  # in the tables
    assert "不足5" in body(text) and not re.search("<5|×", body(text))  # the prose says it in words
    check_numbers(text, Expected(wh, 0, town), made)
    for trace in made.traces:
        cell = made.pub.cells[trace.cell]
        if cell.kind == "count" and not cell.mark:
            assert not 0 < cell.value < 5, trace
    prose = body(text)
    assert not re.search(r"(?<![\d,.<])[1-4](人|户)", prose), re.findall(r".{0,8}(?<![\d,.<])[1-4][人户].{0,4}", prose)
    table = made.table.drop(columns=["名称"])
    counts = table[[c for c in table.columns if "（" not in c]]
    assert not counts.isin(["1", "2", "3", "4"]).any().any()


def test_incomplete_year_says_so(wh, monkeypatch):
    cov = coverage(wh)
    short = Coverage(cov.years, cov.months, {**cov.datasets, "subsidy": (cov.datasets["subsidy"][0], "2024-11")})
    made = draft.build(wh, short, Filters(scope=""), YEAR)
    text = shown_markdown(made)
    assert "补贴数据截至2024年11月" in text and "2024年1-11月" in text
    assert made.pub.value("ytd_amount@living") == pytest.approx(
        dashboard.subsidy_by_month(wh, Filters(scope=""), "2024-01", "2024-11").query("subsidy_code == 'living'")
        ["amount_yuan"].sum())


def test_docx_holds_sections_table_and_images(wh, tmp_path):
    import docx

    from ui.render.document import docx_bytes

    made = make(wh)
    out = tmp_path / "初稿.docx"
    document.write(made, out, docx_bytes)
    doc = docx.Document(io.BytesIO(out.read_bytes()))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert all(section in headings for section in draft.SECTIONS)
    assert sum(h.startswith("图") for h in headings) == len(doc.inline_shapes) == 3
    annual, sources = doc.tables
    assert len(annual.rows) == len(made.units) + 2  # header, units, total
    assert annual.rows[-1].cells[0].text.startswith("合计")
    assert [c.text for c in sources.rows[0].cells] == draft.APPENDIX_HEADER
    assert len(sources.rows) == len(made.traces) + 1
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    assert made.sections[3][1][0] in paragraphs
    assert paragraphs.count("数据来源：") >= 3  # a source line under each image
    for shape in doc.inline_shapes:
        assert shape.width > 0


def test_command_line(duck_url, tmp_path, town):
    out = tmp_path / "d.md"
    assert draft_cli.main(["--warehouse", duck_url, "--year", "2024", "--half", "1", "--area", town, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# ")
    with pytest.raises(SystemExit):
        draft_cli.main(["--warehouse", duck_url, "--year", "2024", "--area", "123", "--out", str(out)])
    with pytest.raises(SystemExit):
        draft_cli.main(["--warehouse", duck_url, "--year", "2024", "--out", str(tmp_path / "d.txt")])


@pytest.mark.parametrize("role, offered", [("analyst", True), ("leader", True), ("press", False)])
def test_overview_offers_the_draft(duck_url, monkeypatch, role, offered):
    """Leaders and analysts choose the 内部版 or the 对外版 (issue 24); the press gets no draft."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    at = open_app("overview", {"year": "2024"}, user=auth.User("某人", role))
    assert not at.exception
    labels = [str(b.proto.label) for b in at.get("download_button")]
    drafts = {label for label in labels if label.startswith("下载初稿")}
    assert drafts == ({"下载初稿（内部版）", "下载初稿（对外版）"} if offered else set()), labels


def test_appendix_names_period_area_and_place(wh):
    made = make(wh)
    frame = pd.DataFrame(draft.appendix_rows(made), columns=draft.APPENDIX_HEADER)
    assert (frame["指标"] != "").all() and (frame["驾驶舱位置"] != "").all() and (frame["期间"] != "").all()
    assert set(frame["范围"]) >= {"示范县"}


def test_appendix_keeps_the_sign_of_a_fall(wh):
    """The prose says 下降 in words; 附表2 stands alone, so a fall keeps its minus sign (0.2 read as a rise)."""
    made = make(wh)
    changes = [t for t in made.traces if made.pub.cells[t.cell].kind == "change" and made.pub.shown(t.cell)]
    assert any(made.pub.shown(t.cell) < 0 for t in changes), "the test county's draft states no fall"
    for t in changes:
        assert t.text.startswith("-") == (made.pub.shown(t.cell) < 0), (t.cell, t.text)


# --- the Word draft as a federation files it (issue 29 §4) ------------------------------------------------
@pytest.fixture(scope="module")
def filed(wh):
    """The county's 2024 draft and the previous year's (whose data runs on past its end), and the county's
    2024 draft as a .docx read back by python-docx (figures left out: test_docx_holds… draws them)."""
    import docx

    from queries import audience

    # the previous year's internal draft (exact: no suppression to wait for; the wording is the same)
    made, before = make(wh), draft.build(wh, coverage(wh), Filters(scope=""), YEAR - 1, audience=audience.INTERNAL)
    return made, before, docx.Document(io.BytesIO(document.docx_bytes(made, images=[])))


def _mm(length) -> float:
    return length / 36_000  # EMU per millimetre


def test_docx_is_a4_with_gbt9704_margins(filed):
    from docx.enum.section import WD_ORIENT

    _, _, doc = filed
    body, table = doc.sections[0], doc.sections[-1]
    assert (round(_mm(body.page_width)), round(_mm(body.page_height))) == (210, 297)
    assert table.orientation == WD_ORIENT.LANDSCAPE
    assert (round(_mm(table.page_width)), round(_mm(table.page_height))) == (297, 210)
    for section in doc.sections:  # 天头 37, 下白边 35, 订口 28, 右 26 mm
        margins = [round(_mm(getattr(section, f"{side}_margin"))) for side in ("top", "bottom", "left", "right")]
        assert margins == [37, 35, 28, 26]
        footer = section.footer._element.xml
        assert "PAGE" in footer and "— " in "".join(p.text for p in section.footer.paragraphs)  # — 1 —


def _east_asian(run) -> str:
    from docx.oxml.ns import qn

    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_docx_title_and_body_fonts(filed):
    """Title 2号小标宋 (22 pt), body 3号仿宋_GB2312 (16 pt) on a fixed 28-pt line, headings 3号黑体, each
    font declared in the font table with a fallback."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    made, _, doc = filed
    title = next(p for p in doc.paragraphs if p.text == made.title)
    assert {(_east_asian(r), r.font.size.pt) for r in title.runs} == {("方正小标宋简体", 22)}
    body = [p for p in doc.paragraphs if p.text in [t for _, texts in made.sections for t in texts]]
    assert len(body) == sum(len(texts) for _, texts in made.sections)
    for paragraph in body:
        assert {(_east_asian(r), r.font.size.pt) for r in paragraph.runs} == {("仿宋_GB2312", 16)}
        assert paragraph.paragraph_format.line_spacing.pt == 28
        assert paragraph.paragraph_format.first_line_indent.pt == 32  # two characters
    headings = [p for p in doc.paragraphs if p.text in draft.SECTIONS]
    assert {(_east_asian(r), r.font.size.pt) for p in headings for r in p.runs} == {("黑体", 16)}
    fonts = doc.part.part_related_by(RT.FONT_TABLE).blob.decode("utf-8")
    for names in document.FONTS.values():  # named with its fallback
        assert f'w:name="{names[0]}"><w:altName w:val="{names[1]}"/>' in fonts
    assert "仿宋_GB2312、仿宋" in doc.core_properties.comments


def _first_sentence(made: draft.Draft) -> str:
    return made.sections[0][1][0].split("。")[0]


def test_first_sentence_says_the_period(filed, wh):
    made, before, doc = filed
    assert _first_sentence(made).startswith(f"{YEAR}年（{YEAR}年1-12月）")
    # the data run to 2024年12月: the 2023 summary opens on 2023, not on "截至2024年…"
    assert _first_sentence(before).startswith(f"{YEAR - 1}年（{YEAR - 1}年1-12月）")
    assert "截至" not in _first_sentence(before)
    half = make(wh, 1)
    assert _first_sentence(half).startswith(f"{YEAR}年上半年（{YEAR}年1-6月）")
    assert f"统计期间：{YEAR}年1-12月" in "\n".join(p.text for p in doc.paragraphs[:3])


_NUMBER = re.compile(r"(不足5)?([\d,]+(?:\.\d+)?)?(万元|人次|人|户|%|个)")


def _numbers(text: str) -> list[tuple[float | None, str]]:
    """(value, unit) of each number in the text, None for one said in words ('不足5户')."""
    return [(None if small or not value else float(value.replace(",", "")), unit)
            for small, value, unit in _NUMBER.findall(text) if small or value]


def qizhong_problems(paragraphs: list[str]) -> list[str]:
    """The '其中' lists that do not add up to the number they belong to and do not say what they leave out."""
    bad = []
    for paragraph in paragraphs:
        for start in [m.start() for m in re.finditer("其中", paragraph)]:
            end = paragraph.find("。", start)
            clause = paragraph[start:end if end >= 0 else None]
            items = _numbers(clause)
            if not items:
                continue
            unit = items[0][1]
            parts = [v for v, u in items if u == unit]
            if None in parts or "不予公布" in clause:
                if not re.search("不足5|不予公布|另有", clause):
                    bad.append(clause)
                continue  # a withheld part: said in words
            before = [v for v, u in _numbers(paragraph[:start]) if u == unit]
            total = before[-1] if before else None
            tolerance = 0.01 * len(parts) if unit == "万元" else 0
            if total is None or abs(sum(parts) - total) > tolerance + 1e-9:
                bad.append(f"{total} ≠ {clause}")
    return bad


def test_qizhong_lists_add_up(filed, wh, town):
    for made in (filed[0], filed[1], make(wh, 1), make(wh, 0, town)):
        prose = [t for _, texts in made.sections for t in texts]
        assert sum(t.count("其中") for t in prose) >= 3
        assert not qizhong_problems(prose), qizhong_problems(prose)
    # the check can fail: a list of overlapping subsets does not add up
    assert qizhong_problems(["监测户中的重度残疾人26人，其中未领护理补贴20人、未获康复服务12人。"])


def test_no_symbol_in_prose(filed, wh, town):
    """'<5', '×', '—' are table symbols: the prose says '不足5户', '（为防推算，不予公布）'."""
    made = make(wh, 0, town)
    for one in (filed[0], made):
        prose = "\n".join(t for _, texts in one.sections for t in texts)
        assert not re.search(r"<5|×|—", prose), re.findall(r".{0,10}(?:<5|×|—).{0,4}", prose)
    assert "不足5" in "\n".join(t for _, texts in made.sections for t in texts)


def test_appendices_name_no_code_key_or_path(filed):
    """附表 use the catalogue's labels: no cell key, column name or file path; headers without underscores."""
    _, _, doc = filed
    annual, sources = doc.tables
    for table in (annual, sources):
        header = [c.text for c in table.rows[0].cells]
        assert not any("_" in h for h in header), header
        for row in table.rows:
            for cell in row.cells:
                assert not re.search(r"[A-Za-z_]{3,}|@|\.ya?ml|config/", cell.text), cell.text
    header = [c.text for c in annual.rows[0].cells]
    assert "康复服务率（%）" in header and "持证残疾人数（人）" in header
    assert "单元" not in [c.text for c in sources.rows[0].cells]
