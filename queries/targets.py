"""The targets of the catalogue's rates, from config/targets.yaml (or the file TARGETS_FILE names): read
once, when queries.catalog is first imported, and validated — a bad file stops the app and every command
line with a message naming the file and the key (docs/configuration.md)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "targets.yaml"
ENV = "TARGETS_FILE"


class TargetsError(SystemExit):
    """The targets file cannot be used. A SystemExit: a command line that imports the catalogue stops
    with this message (no traceback); the app catches it (app.py) and shows it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def targets_file() -> Path:
    """The file in use: TARGETS_FILE when set, else the shipped config/targets.yaml."""
    return Path(os.environ.get(ENV) or DEFAULT_FILE)


def load_targets(path: Path, rates: dict[str, str]) -> dict[str, float]:
    """metric key → target in percent, for every rate of the catalogue (`rates`: key → label). Raises
    TargetsError naming the file (and the key) when the file is unreadable, not a mapping, names a key
    that is not a rate of the catalogue, lacks one, or gives a target that is not a number from 0 to 100."""
    where = f"目标配置文件 {path}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TargetsError(f"{where} 无法读取：{error.strerror or error}。请检查文件路径（环境变量 {ENV}）。") from None
    except UnicodeDecodeError:
        raise TargetsError(f"{where} 不是 UTF-8 编码的文本。") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"第{mark.line + 1}行" if mark is not None else ""
        raise TargetsError(f"{where} 不是有效的 YAML{line}：{getattr(error, 'problem', '') or error}。") from None
    if not isinstance(raw, dict):
        raise TargetsError(f"{where} 应为“指标键: 目标值”的映射，例如 “rehab_rate: 80”（单位：%）。")
    out: dict[str, float] = {}
    for name, value in raw.items():
        if name not in rates:
            known = "、".join(rates)
            raise TargetsError(f"{where} 中的键 {name!r} 不是可设目标的指标（可设：{known}）。")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise TargetsError(f"{where} 中 {name}（{rates[name]}）的目标 {value!r} 不是数字。")
        if not 0 <= value <= 100:
            raise TargetsError(f"{where} 中 {name}（{rates[name]}）的目标 {value:g} 不在 0 到 100 之间（单位：%）。")
        out[name] = float(value)
    missing = [k for k in rates if k not in out]
    if missing:
        raise TargetsError(f"{where} 缺少指标 {'、'.join(f'{k}（{rates[k]}）' for k in missing)} 的目标。")
    return out
