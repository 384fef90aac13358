"""The briefing script (汇报脚本): a YAML list of slides, each a page with its filters, title and note."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "briefing.example.yaml"
PAGES = {"overview": "总览", "monitoring": "防返贫监测", "subsidies": "两项补贴", "rehabilitation": "康复服务",
         "employment": "就业帮扶", "accessibility": "无障碍与托养", "about": "数据说明"}


@dataclass
class Slide:
    """One slide: a page, the URL parameters of its view, a title, a speaker note."""

    title: str
    page: str
    params: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Briefing:
    """A titled list of slides."""

    title: str
    slides: list[Slide]


def briefing_path() -> Path:
    """Where the script lives: env BRIEFING_FILE, else var/briefing.yaml (started from the example)."""
    path = Path(os.environ.get("BRIEFING_FILE") or ROOT / "var" / "briefing.yaml")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLE, path)
    return path


def load(path: Path | None = None) -> tuple[Briefing, list[str]]:
    """The script, and a message for every slide that had to be left out (unknown page, bad entry)."""
    path = path or briefing_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return Briefing("汇报", []), [f"无法读取汇报脚本 {path.name}：{exc}"]
    slides, problems = [], []
    for i, entry in enumerate(raw.get("slides") or [], start=1):
        if not isinstance(entry, dict) or entry.get("page") not in PAGES:
            problems.append(f"第{i}页的页面“{entry.get('page') if isinstance(entry, dict) else entry}”不存在，已跳过。")
            continue
        params = {str(k): str(v) for k, v in (entry.get("params") or {}).items()}
        slides.append(Slide(title=str(entry.get("title") or PAGES[entry["page"]]), page=entry["page"],
                            params=params, note=str(entry.get("note") or "")))
    return Briefing(str(raw.get("title") or "汇报"), slides), problems


def save(briefing: Briefing, path: Path | None = None) -> None:
    """Write the script back (UTF-8 YAML, Chinese kept readable)."""
    path = path or briefing_path()
    data = {"title": briefing.title, "slides": [asdict(s) for s in briefing.slides]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def add_slide(slide: Slide, path: Path | None = None) -> int:
    """Append a slide to the script; returns the new number of slides."""
    briefing, _ = load(path)
    briefing.slides.append(slide)
    save(briefing, path)
    return len(briefing.slides)
