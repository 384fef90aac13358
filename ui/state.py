"""The view's state (year, area, category, level, month range, map metric) and its URL form.

`parse` is pure: it turns URL parameters into a valid state and a list of messages for every value
it had to refuse, so a copied link reopens the same view and a bad link never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from queries.catalog import BREAKDOWNS, METRICS
from queries.common import Filters
from queries.coverage import Coverage
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CODE = re.compile(r"^\d{12}$")
MAX_PARAM_LENGTH = 32
# What one projector slide of a page may show besides its headline row (ui/render/slide.py draws it).
SLIDE_PARTS = {"map": "地图", "chart": "排名图", "trend": "趋势图", "detail": "分项图"}


@dataclass(frozen=True)
class Context:
    """What a valid value can be: the years and months with data, the townships and their villages."""

    years: list[int]
    months: list[str]
    townships: dict[str, str]
    villages: dict[str, dict[str, str]]
    county_name: str = "全县"
    county_code: str = ""
    # dataset → (first month, last month) 'YYYY-MM' of the data it holds (absent: no data at all)
    coverage: dict[str, tuple[str, str]] = field(default_factory=dict)

    def covered(self) -> Coverage:
        """The same coverage as the command line reads it (queries.coverage)."""
        return Coverage(self.years, self.months, self.coverage)

    def last_month(self, dataset: str) -> str:
        """The latest month a dataset holds ('' when it holds nothing)."""
        return self.covered().last_month(dataset)

    def covers(self, dataset: str, year: int) -> bool:
        """Whether the dataset holds data for `year` (the persons' register always does)."""
        return self.covered().covers(dataset, year)

    def missing(self, dataset: str, year: int) -> str:
        """'' when the dataset covers `year`, else the sentence a component shows instead of a number
        ("2026年暂无补贴发放数据，数据截至2025年12月")."""
        return self.covered().missing(dataset, year)

    def latest_year(self, datasets: tuple[str, ...]) -> int:
        """The latest year every one of `datasets` that holds data covers (else the latest year)."""
        return self.covered().latest_year(datasets)

    def year_end(self, dataset: str, year: int) -> str:
        """'2024年末', or '2026年10月末' when the dataset ends within that year."""
        return self.covered().year_end(dataset, year)


@dataclass(frozen=True)
class View:
    """One view of the dashboard: everything a page needs to know to draw itself."""

    year: int  # 0: the latest year the page's own data covers
    month_from: str
    month_to: str
    township: str = ""
    village: str = ""
    category: int = 0
    level: int = 0
    metric: str = "rehab_rate"
    by: str = "township"  # 指标分析: the breakdown of the rows
    cols: str = ""  # 指标分析: a second breakdown (columns of a pivot), '' for none
    present: bool = False
    part: str = ""  # projector: the component a slide shows ('' = the page's first); see ui.render.slide
    public: bool = False  # projector: a 公开场合 (suppressed) rather than a 内部会议 (exact); URL mode=public
    scope: str = ""  # the signed-in user's township ('' = county-wide); set by the app, never from a URL
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def filters(self) -> Filters:
        """As the queries' filters."""
        return Filters(scope=self.scope, township=self.township, village=self.village, category=self.category,
                       level=self.level)

    def to_params(self, default: View) -> dict[str, str]:
        """The URL parameters that differ from the default view."""
        names = {"year": "year", "month_from": "from", "month_to": "to", "township": "town",
                 "village": "village", "category": "cat", "level": "level", "metric": "metric",
                 "by": "by", "cols": "cols", "part": "part"}
        params = {url: str(getattr(self, attr)) for attr, url in names.items()
                  if getattr(self, attr) != getattr(default, attr)}
        if "from" in params or "to" in params:  # a chosen range stays whole: a link or slide of 2025 stays 2025
            params |= {"from": self.month_from, "to": self.month_to}  # once 2026 is imported (the default moves)
        return params | ({"mode": "public" if self.public else "present"} if self.present else {})


def default_view(ctx: Context) -> View:
    """The latest year, the last 24 months, the whole county."""
    months = ctx.months or ["2000-01"]
    return View(year=0,
                month_from=months[max(0, len(months) - 24)], month_to=months[-1])


def _clean(value: object) -> str:
    """A URL value as a short printable string (for matching and for messages)."""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text[:MAX_PARAM_LENGTH] + ("…" if len(text) > MAX_PARAM_LENGTH else "")


def _int_in(value: str, allowed) -> int | None:
    """The value as an integer if it is one of `allowed`, else None."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 and int(value) in allowed else None


def parse(params: Mapping[str, str], ctx: Context) -> View:
    """URL parameters → a valid View; each refused value leaves a message and falls back."""
    view = default_view(ctx)
    warnings: list[str] = []
    get = {k: _clean(v) for k, v in params.items()}

    if "year" in get:
        year = _int_in(get["year"], ctx.years)
        if year is None:
            warnings.append(f"年份“{get['year']}”不在数据范围内（{ctx.years[0]}–{ctx.years[-1]}），"
                            "已显示最新年份。" if ctx.years else "没有可显示的年份。")
        else:
            view = replace(view, year=year)
    if "town" in get:
        if get["town"] in ctx.townships:
            view = replace(view, township=get["town"])
        elif get["town"]:
            warnings.append(f"未知的乡镇代码“{get['town']}”，已返回{ctx.county_name}。")
    if get.get("village"):
        village, town = get["village"], view.township or get["village"][:9] + "000"
        if CODE.match(village) and village in ctx.villages.get(town, {}):
            view = replace(view, township=town, village=village)
        else:
            warnings.append(f"未知的村/社区代码“{village}”，已显示上一级。")
    for name, labels, text in (("cat", CATEGORY_LABELS, "残疾类别"), ("level", LEVEL_LABELS, "残疾等级")):
        if name in get and get[name] not in ("", "0"):
            value = _int_in(get[name], labels)
            if value is None:
                warnings.append(f"未知的{text}“{get[name]}”，已显示全部。")
            else:
                view = replace(view, **{"category" if name == "cat" else "level": value})
    start, end = get.get("from", view.month_from), get.get("to", view.month_to)
    if ("from" in get or "to" in get):
        if start in ctx.months and end in ctx.months and start <= end:
            view = replace(view, month_from=start, month_to=end)
        else:
            warnings.append(f"月份范围“{start}”至“{end}”无效（数据为 {ctx.months[0] if ctx.months else '—'}"
                            f" 至 {ctx.months[-1] if ctx.months else '—'}），已显示最近24个月。")
    if "mode" in get:
        if get["mode"] in ("present", "public"):  # a 内部会议 (exact) or a 公开场合 (suppressed)
            view = replace(view, present=True, public=get["mode"] == "public")
        elif get["mode"]:
            warnings.append(f"未知的显示模式“{get['mode']}”，已显示普通模式。")
    if get.get("part"):
        if get["part"] in SLIDE_PARTS:
            view = replace(view, part=get["part"])
        else:
            warnings.append(f"未知的幻灯片部分“{get['part']}”，已显示本页的主图。")
    if "metric" in get:
        if get["metric"] in METRICS:
            view = replace(view, metric=get["metric"])
        else:
            warnings.append(f"未知的指标“{get['metric']}”，已显示康复服务率。")
    if "by" in get:
        if get["by"] in BREAKDOWNS:
            view = replace(view, by=get["by"])
        else:
            warnings.append(f"未知的分析维度“{get['by']}”（可用：{'、'.join(BREAKDOWNS)}），已按乡镇显示。")
    if get.get("cols"):
        if get["cols"] not in BREAKDOWNS:
            warnings.append(f"未知的列维度“{get['cols']}”（可用：{'、'.join(BREAKDOWNS)}），已不分列显示。")
        elif get["cols"] == view.by:
            warnings.append(f"列维度“{get['cols']}”与行维度相同，已不分列显示。")
        else:
            view = replace(view, cols=get["cols"])
    return replace(view, warnings=tuple(warnings))


# Each sidebar widget's field of the View (frame.py's `attr`) and the URL parameters that carry it.
WIDGET_PARAMS = {"year": ("year",), "township": ("town", "village"), "village": ("village",), "category": ("cat",),
                 "level": ("level",), "metric": ("metric",), "range": ("from", "to"), "present": ("mode",), "meeting": ("mode",),
                 "by": ("by",), "cols": ("cols",)}


def widget_params(attr: str, value: object) -> dict[str, str]:
    """A widget's value in URL form, whatever the browser sent (a crafted value stays a string to refuse)."""
    if attr == "range":
        pair = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value, "")
        return {"from": str(pair[0]), "to": str(pair[1])}
    if attr == "present":
        return {"mode": "present"} if value is True else {} if value is False else {"mode": str(value)}
    if attr == "meeting":  # the projector's audience: 'present' (内部会议) or 'public' (公开场合)
        return {"mode": str(value)}
    return {WIDGET_PARAMS[attr][0]: str(value)}


def with_widget(view: View, attr: str, value: object, ctx: Context) -> View:
    """The view after a sidebar widget sent `value`: validated by `parse`, as the same value in a link
    would be (a refused value leaves the default for that field, and a message in `warnings`)."""
    params = {k: v for k, v in view.to_params(default_view(ctx)).items() if k not in WIDGET_PARAMS[attr]}
    return replace(parse(params | widget_params(attr, value), ctx), scope=view.scope)


def revalidated(view: View, ctx: Context) -> View:
    """The view itself while its values are valid for `ctx`, else `parse` of its link (after an import
    that changed the years, months or regions), with messages."""
    again = replace(parse(view.to_params(default_view(ctx)), ctx), scope=view.scope)
    return view if again == view and not again.warnings else again
