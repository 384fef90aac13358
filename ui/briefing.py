"""Briefing scripts (汇报脚本): YAML lists of slides, each a page with its filters, a title and a note, and the
script's audience (`audience: 内部会议` — the default, exact numbers on slides marked 内部资料 注意保密 — or
`公开场合`, suppressed as for the public; queries.audience decides what each means).

There is one script per area: the county's (`var/briefing.yaml`, env `BRIEFING_FILE`) and one per township
beside it (`briefing-<区划代码>.yaml`). Who may edit a script is a rule of the role (`may_edit`): leaders and
analysts edit the county's, a township user only their township's; notes are shown only to those who may
edit. Titles and notes are plain text with length limits. A write goes to a temporary file renamed over the
script, and an append holds an exclusive lock (fcntl) on a lock file beside it, so appends from several
dashboard processes lose nothing. Nothing here imports streamlit.

The 汇报 page edits a script (`edit`: delete, move up/down, rename, note, duplicate, insert back) and starts
a new one (`new_script`: empty or the example; the old file is kept beside it as a backup). An edit names
the entry it acts on by its place and its fingerprint as the editor saw it (`Ref`): under the lock, an entry
that another window or process changed or moved in the meantime is not touched (BriefingError, nothing
written), while an append elsewhere does not disturb it. A slide keeps only the parameters its own page
reads (`own_params`), and a view its page refuses (a 指标分析 breakdown it cannot draw) is not added (`refusal`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from queries.audience import INTERNAL, MEETINGS, PUBLIC
from ui.accounts import AREA, User

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "briefing.example.yaml"
PAGES = {"overview": "总览", "monitoring": "防返贫监测", "subsidies": "两项补贴", "rehabilitation": "康复服务",
         "employment": "就业帮扶", "accessibility": "无障碍与托养", "explore": "指标分析", "about": "数据说明"}
COUNTY = ""  # the county's script's area
MAX_TITLE = 60
MAX_NOTE = 1000
MAX_SLIDES = 100
MAX_PARAM = 40
# The URL parameters each page reads; a slide keeps only its own page's (a metric chosen on 指标分析 means
# nothing on 康复服务, a month range nothing on a page without a trend). `mode` is the script's audience.
_FILTERS = ("year", "town", "village", "cat", "level")
PAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "overview": (*_FILTERS, "metric", "part"),
    "monitoring": (*_FILTERS, "from", "to", "part"),
    "subsidies": (*_FILTERS, "from", "to", "part"),
    "rehabilitation": (*_FILTERS, "part"),
    "employment": (*_FILTERS, "part"),
    "accessibility": (*_FILTERS, "part"),
    "explore": (*_FILTERS, "metric", "by", "cols", "from", "to"),
    "about": (),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


class BriefingError(ValueError):
    """A refused change to a script; the message is for people (Chinese)."""


@dataclass
class Slide:
    """One slide: a page, the URL parameters of its view, a title, a speaker note."""

    title: str
    page: str
    params: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Briefing:
    """A titled list of slides (the playable ones), for an audience (INTERNAL: 内部会议, PUBLIC: 公开场合);
    `kept`: the file's entries that cannot be played, as (position in the file, the entry as written, why),
    written back unchanged; `error`: why the file could not be read at all (then nothing may be written over it)."""

    title: str
    slides: list[Slide]
    kept: list[tuple[int, object, str]] = field(default_factory=list)
    error: str = ""
    audience: str = INTERNAL

    @property
    def meeting(self) -> str:
        """'内部会议' or '公开场合'."""
        return MEETINGS[self.audience]

    def entries(self) -> list[tuple[Slide | None, object, str]]:
        """Every entry in the file's order: (slide, None, "") for a playable one, (None, entry, why) for one
        that is kept but cannot be played."""
        out: list[tuple[Slide | None, object, str]] = [(s, None, "") for s in self.slides]
        for position, entry, why in sorted(self.kept, key=lambda k: k[0]):
            out.insert(min(position, len(out)), (None, entry, why))
        return out


def meeting_of(value: object) -> str | None:
    """A script's `audience` as INTERNAL or PUBLIC: missing is 内部会议 (the default); None if not understood."""
    if value is None or value == "":
        return INTERNAL
    text = str(value).strip()
    return next((k for k, label in MEETINGS.items() if text in (k, label)), None)



def plain(text: object, limit: int, multiline: bool = False) -> str:
    """Text as a title or note may hold it: no control or direction characters, at most `limit` long."""
    text = str(text or "").replace("\r\n", "\n")
    if not multiline:
        text = " ".join(text.split("\n"))
    return _CONTROL.sub("", text).strip()[:limit]


def clean_slide(slide: Slide) -> Slide:
    """The slide with its title and note cut to plain text within the limits; BriefingError for a bad page."""
    if slide.page not in PAGES:
        raise BriefingError(f"页面“{plain(slide.page, 20)}”不存在。")
    params = {plain(k, MAX_PARAM): plain(v, MAX_PARAM) for k, v in list(slide.params.items())[:12]}
    return Slide(title=plain(slide.title, MAX_TITLE) or PAGES[slide.page], page=slide.page, params=params,
                 note=plain(slide.note, MAX_NOTE, multiline=True))


def own_params(page: str, params: dict[str, str]) -> dict[str, str]:
    """The parameters of a view that its page reads (in their order), the rest left out; the overview's map
    metric only when the overview maps it."""
    from queries.catalog import MAP_METRICS

    kept = {k: v for k, v in params.items() if k in PAGE_PARAMS.get(page, ())}
    if page == "overview" and kept.get("metric") not in MAP_METRICS:
        kept.pop("metric", None)
    return kept


def refusal(page: str, params: dict[str, str]) -> str:
    """'' when the page can draw the view of these parameters, else the page's own sentence saying why not
    (指标分析: a metric that has no such breakdown, villages without a township)."""
    if page != "explore":
        return ""
    from queries.catalog import METRICS
    from queries.explore import refusal as explore_refusal

    metric = METRICS.get(params.get("metric") or "rehab_rate")
    if metric is None:
        return f"未知的指标“{plain(params.get('metric'), 20)}”。"
    return explore_refusal(metric, params.get("by") or "township", params.get("cols") or "",
                           params.get("town") or params.get("village") or "")


# ---------------------------------------------------------------- who may do what


def may_edit(user: User, area: str) -> bool:
    """Leaders and analysts edit the county's script; a township user only their own township's."""
    if user.read_only:
        return False
    if area == COUNTY:
        return user.role in ("leader", "analyst")
    return user.role == "township" and user.area == area


def may_play(user: User, area: str) -> bool:
    """County-wide roles play any script, the press the county's; a township user only their own township's."""
    if user.role == "township":
        return area == user.area
    if user.role == "press":
        return area == COUNTY
    return area == COUNTY or bool(AREA.match(area))


def shows_notes(user: User, area: str) -> bool:
    """Speaker notes are for those who may edit the script."""
    return may_edit(user, area)


def own_area(user: User) -> str:
    """The script a user's 加入汇报 adds to: their township's, or the county's."""
    return user.area if user.role == "township" else COUNTY


# ---------------------------------------------------------------- files


def briefing_path() -> Path:
    """The county's script: env BRIEFING_FILE, else var/briefing.yaml (started from the example)."""
    path = Path(os.environ.get("BRIEFING_FILE") or ROOT / "var" / "briefing.yaml")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            if not path.exists():
                _write(path, EXAMPLE.read_text(encoding="utf-8"))
    return path


def script_path(area: str = COUNTY) -> Path:
    """The script of an area: the county's, or `briefing-<township code>.yaml` beside it."""
    if area == COUNTY:
        return briefing_path()
    if not AREA.match(area):
        raise BriefingError("乡镇区划代码须为12位数字。")
    return briefing_path().with_name(f"briefing-{area}.yaml")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `<script>.lock` across threads and processes while a script is rewritten."""
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, text: str) -> None:
    """Write atomically: a temporary file beside the script, flushed, renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unreadable(path: Path, exc: Exception, data: bytes = b"") -> str:
    """Why a script cannot be read, for the person who edited it: the file, the line, what to do."""
    if isinstance(exc, UnicodeDecodeError):
        line = data[:exc.start].count(b"\n") + 1
        what = f"第{line}行有不是 UTF-8 编码的字节（可能是以 GBK 保存的），请用 UTF-8 编码另存"
    elif isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列"
        if "\t" in str(exc.problem) or "\\t" in str(exc.problem):  # "found character '\t'"
            what = f"{where}有制表符（Tab）：YAML 只能用空格缩进，请把制表符换成空格"
        else:
            what = f"{where}不符合 YAML 格式（{plain(exc.problem, 80)}）"
    elif isinstance(exc, OSError):
        what = f"无法打开（{exc.strerror or type(exc).__name__}）"
    else:
        what = plain(exc, 120)
    return f"汇报脚本 {path} 无法读取：{what}。"


def load(path: Path | None = None) -> tuple[Briefing, list[str]]:
    """The script, and a message for every entry that cannot be played (unknown page, bad entry: kept in the
    file) or for a file that cannot be read at all (`error`). An area's script that does not exist yet is an
    empty one."""
    path = path or briefing_path()
    if not path.exists():
        return Briefing("汇报", []), []
    data = b""
    try:
        data = path.read_bytes()
        raw = yaml.safe_load(data.decode("utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        error = unreadable(path, exc, data)
        return Briefing("汇报", [], error=error), [error]
    if not isinstance(raw, dict) or not isinstance(raw.get("slides") or [], list):
        error = f"汇报脚本 {path} 无法读取：格式不对（应为 title 和 slides 列表）。"
        return Briefing("汇报", [], error=error), [error]
    slides, kept, problems = [], [], []
    audience = meeting_of(raw.get("audience"))
    if audience is None:  # fail closed: an audience not understood is the public
        problems.append(f"汇报脚本的场合“{plain(raw.get('audience'), 20)}”无法识别（可选：内部会议、公开场合），"
                        "已按公开场合（人数少于5的数字隐去）放映。")
        audience = PUBLIC
    for i, entry in enumerate(raw.get("slides") or [], start=1):
        if not isinstance(entry, dict) or entry.get("page") not in PAGES:
            page = entry.get("page") if isinstance(entry, dict) else entry
            why = f"页面“{plain(page, 20)}”不存在" if isinstance(entry, dict) else "不是一页幻灯片的写法"
            kept.append((i - 1, entry, why))
            problems.append(f"第{i}页不能放映：{why}（仍保留在脚本文件中，可手工修改）。")
            continue
        slides.append(_entry(entry)[0])
    return Briefing(plain(raw.get("title"), MAX_TITLE) or "汇报", slides[:MAX_SLIDES], kept, audience=audience), problems


def _dump(briefing: Briefing) -> str:
    """The script as UTF-8 YAML, Chinese kept readable; kept entries where they were."""
    entries = [asdict(s) if s is not None else entry for s, entry, _ in briefing.entries()]
    data = {"title": briefing.title, "audience": briefing.meeting, "slides": entries}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _refuse_unreadable(briefing: Briefing) -> None:
    """Never write over a file that could not be read: what the person wrote there would be lost."""
    if briefing.error:
        raise BriefingError(f"{briefing.error}为免覆盖其中手工编辑的内容，没有写入。请先修正该文件。")


def save(briefing: Briefing, path: Path | None = None) -> None:
    """Write the script back, atomically and under the lock (refused over a file that cannot be read)."""
    path = path or briefing_path()
    with _locked(path):
        _refuse_unreadable(load(path)[0])
        _write(path, _dump(briefing))


def set_audience(audience: str, path: Path | None = None) -> None:
    """Set a script's audience (INTERNAL or PUBLIC) under the lock, keeping its slides."""
    if audience not in MEETINGS:
        raise BriefingError("场合须为内部会议或公开场合。")
    path = path or briefing_path()
    with _locked(path):
        briefing, _ = load(path)
        if briefing.error:  # never write over a file that could not be read
            raise BriefingError(briefing.error)
        briefing.audience = audience
        _write(path, _dump(briefing))


def add_slide(slide: Slide, path: Path | None = None, instead_of_example: bool = False) -> int:
    """Append a slide (plain text, within the limits) under the lock; returns the new number of slides.
    Refused (BriefingError naming the file and the problem) when the file cannot be read, or when its page
    refuses the view (`refusal`). `instead_of_example`: if the script is still the untouched example, the
    slide starts a new script instead (the example kept as a backup beside it)."""
    path = path or briefing_path()
    slide = clean_slide(slide)
    if why := refusal(slide.page, slide.params):
        raise BriefingError(f"这个视图不能加入汇报：{why}")
    with _locked(path):
        briefing, _ = load(path)
        _refuse_unreadable(briefing)
        if instead_of_example and is_example(briefing):
            _backup(path)
            briefing = Briefing(briefing.title, [], audience=briefing.audience)
        if len(briefing.slides) + len(briefing.kept) >= MAX_SLIDES:
            raise BriefingError(f"汇报脚本最多{MAX_SLIDES}页，请先删去一些。")
        briefing.slides.append(slide)
        _write(path, _dump(briefing))
        return len(briefing.slides)


# ---------------------------------------------------------------- the editor (汇报 page)


def example() -> Briefing:
    """The example script (config/briefing.example.yaml)."""
    return load(EXAMPLE)[0]


def is_example(briefing: Briefing) -> bool:
    """Whether a script is still the example as shipped (its slides unchanged, nothing else in it)."""
    model = example()
    return (bool(briefing.slides) and not briefing.kept and not briefing.error
            and [asdict(s) for s in briefing.slides] == [asdict(s) for s in model.slides])


def _backup(path: Path) -> Path | None:
    """Copy a script aside before it is replaced (`briefing.yaml.20261207-013000.bak` beside it)."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    target.write_bytes(path.read_bytes())  # the bytes as they are (a new name: nothing is written over)
    return target


def new_script(title: str, from_example: bool, path: Path | None = None, audience: str = INTERNAL) -> Path | None:
    """Start a new script in place of the current one: empty, or a copy of the example. The current file is
    kept beside it as a backup (returned; None when it had no slide); one that cannot be read is never
    replaced (BriefingError)."""
    path = path or briefing_path()
    if audience not in MEETINGS:
        raise BriefingError("场合须为内部会议或公开场合。")
    with _locked(path):
        current = load(path)[0]
        _refuse_unreadable(current)
        backup = _backup(path) if current.entries() else None  # an empty script has nothing to keep
        slides = example().slides if from_example else []
        _write(path, _dump(Briefing(plain(title, MAX_TITLE) or "汇报", slides, audience=audience)))
        return backup


def _raw(slide: Slide | None, entry: object) -> object:
    """An entry as it stands in the file."""
    return asdict(slide) if slide is not None else entry


def fingerprint(slide: Slide | None, entry: object = None) -> str:
    """A short fingerprint of one entry (a slide, or a kept entry as written)."""
    text = json.dumps(_raw(slide, entry), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Ref:
    """An entry of a script as the editor saw it: its place among all entries and its fingerprint."""

    index: int
    mark: str


def refs(briefing: Briefing) -> list[Ref]:
    """A Ref for every entry of the script, in the file's order."""
    return [Ref(i, fingerprint(s, e)) for i, (s, e, _) in enumerate(briefing.entries())]


STALE = "这一页已被另一个窗口或另一位同事改动、移动或删除，没有修改。列表已更新为最新内容，请核对后再操作一次。"
ACTIONS = ("delete", "up", "down", "text", "duplicate", "insert")


def edit(action: str, ref: Ref, path: Path | None = None, title: str | None = None, note: str | None = None,
         entry: object = None) -> int:
    """Change one entry of a script under the lock and return the place of the entry acted on afterwards:
    delete, up, down, text (a new `title` and/or `note`; None leaves it), duplicate (the copy right after it),
    or insert (`entry`, as `removed` gave it before a delete, back at `ref.index`: an undo). BriefingError
    when the file cannot be read, when the entry is no longer what the editor saw (STALE), or for a change
    that cannot be made (new text for an entry that cannot be played, a move past the ends, an empty title)."""
    if action not in ACTIONS:
        raise BriefingError("未知的操作。")
    path = path or briefing_path()
    with _locked(path):
        briefing, _ = load(path)
        _refuse_unreadable(briefing)
        flat = [(s, e) for s, e, _ in briefing.entries()]
        full = len(flat) >= MAX_SLIDES
        if action == "insert":
            if full:
                raise BriefingError(f"汇报脚本最多{MAX_SLIDES}页，请先删去一些。")
            at = max(0, min(ref.index, len(flat)))
            flat.insert(at, _entry(entry))
            _write(path, _dump(_rebuild(briefing, flat)))
            return at
        if not 0 <= ref.index < len(flat) or fingerprint(*flat[ref.index]) != ref.mark:
            raise BriefingError(STALE)
        slide, _ = flat[ref.index]
        at = ref.index
        if action == "delete":
            flat.pop(at)
        elif action in ("up", "down"):
            other = at - 1 if action == "up" else at + 1
            if not 0 <= other < len(flat):
                raise BriefingError("已经是第一页。" if action == "up" else "已经是最后一页。")
            flat[at], flat[other] = flat[other], flat[at]
            at = other
        elif slide is None:  # kept as written: fixed by hand, not through the editor
            raise BriefingError("这一项不能放映（页面不存在或写法不对），只能删除、移动或在脚本文件中手工修改。")
        elif action == "text":
            new_title = slide.title if title is None else plain(title, MAX_TITLE)
            if not new_title:
                raise BriefingError("标题不能为空。")
            new_note = slide.note if note is None else plain(note, MAX_NOTE, multiline=True)
            flat[at] = (replace(slide, title=new_title, note=new_note), None)
        elif action == "duplicate":
            if full:
                raise BriefingError(f"汇报脚本最多{MAX_SLIDES}页，请先删去一些。")
            flat.insert(at + 1, (replace(slide), None))
            at += 1
        _write(path, _dump(_rebuild(briefing, flat)))
        return at


def removed(ref: Ref, path: Path | None = None) -> object:
    """The entry a Ref names, as written in the file (what `edit('insert')` puts back after a delete)."""
    briefing, _ = load(path or briefing_path())
    flat = briefing.entries()
    if not 0 <= ref.index < len(flat) or fingerprint(flat[ref.index][0], flat[ref.index][1]) != ref.mark:
        raise BriefingError(STALE)
    return _raw(flat[ref.index][0], flat[ref.index][1])


def _entry(raw: object) -> tuple[Slide | None, object]:
    """A file's entry as (slide, None) when it can be played, else (None, the entry as written)."""
    if isinstance(raw, dict) and raw.get("page") in PAGES:
        params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
        return clean_slide(Slide(title=str(raw.get("title") or ""), page=raw["page"],
                                 params={str(k): str(v) for k, v in params.items()},
                                 note=str(raw.get("note") or ""))), None
    return None, raw


def _rebuild(briefing: Briefing, flat: list[tuple[Slide | None, object]]) -> Briefing:
    """The script with its entries in this order (kept ones at their new places)."""
    slides = [s for s, _ in flat if s is not None]
    kept = [(i, e, "") for i, (s, e) in enumerate(flat) if s is None]
    return Briefing(briefing.title, slides, kept, audience=briefing.audience)


# ---------------------------------------------------------------- a briefing being played (presenter view)

LIVE_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class Live:
    """Where a briefing being played stands: its script's area, the slide shown, when it started. The
    projected page and the presenter view (two browser sessions) both read and move it."""

    area: str
    at: int
    started: float


def new_live_id() -> str:
    """A fresh id for one playing of a briefing (unguessable: it is what ties the two screens)."""
    return secrets.token_hex(8)


def live_path(live_id: str) -> Path:
    """The state file of a playing, beside the county's script; BriefingError for a malformed id."""
    if not LIVE_ID.match(live_id or ""):
        raise BriefingError("演示者视图的编号无效。")
    return briefing_path().with_name(f".live-{live_id}.json")


def live_write(live_id: str, area: str, at: int, started: float | None = None) -> Live:
    """Move a playing to slide `at` (atomically, so the other screen never reads half a file)."""
    path = live_path(live_id)
    if started is None:
        current = live_read(live_id)
        started = current.started if current else time.time()
    live = Live(area, int(at), float(started))
    _write(path, json.dumps(asdict(live)))
    return live


def live_read(live_id: str) -> Live | None:
    """A playing's state, or None when there is none (ended, or never started)."""
    try:
        raw = json.loads(live_path(live_id).read_text(encoding="utf-8"))
        return Live(str(raw["area"]), int(raw["at"]), float(raw["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def live_end(live_id: str) -> None:
    """The playing has ended: the presenter view says so."""
    try:
        live_path(live_id).unlink(missing_ok=True)
    except BriefingError:
        pass
