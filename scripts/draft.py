"""The report draft (年度报告初稿) from the command line: its content from queries/draft.py, written as Markdown or
Word by ui/render/document.py (the renderers), as 总览's 年度报告初稿 button does.

    python -m scripts.draft --warehouse W --year 2024 [--half 1|2] [--area CODE] [--version 内部|对外] --out 初稿.md|.docx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queries import audience as aud
from queries import dashboard
from queries.common import Filters
from queries.coverage import coverage
from queries.db import WarehouseError, connect
from queries.draft import build
from ui.render.document import write


def main(argv: list[str] | None = None) -> int:
    """Write the draft for one year (or half-year), county or township."""
    parser = argparse.ArgumentParser(prog="python -m scripts.draft",
                                     description="生成年度（半年）工作总结数据初稿。Write the report draft.")
    parser.add_argument("--warehouse", help="DuckDB 文件或 PostgreSQL URL（默认：WAREHOUSE_URL 或演示仓库）")
    parser.add_argument("--year", type=int, required=True, help="统计年度，如 2024")
    parser.add_argument("--half", type=int, choices=(1, 2), default=0, help="1 = 1-6月，2 = 7-12月（默认全年）")
    parser.add_argument("--area", default="", help="乡镇区划代码（12位）：写该乡镇的初稿（默认全县）")
    parser.add_argument("--version", choices=("内部", "对外", "internal", "public"), default="对外",
                        help="对外（默认）：隐去人数少于5的数字；内部：数字不隐去，标“内部资料”，仅供内部使用")
    parser.add_argument("--out", type=Path, required=True, help="输出文件 .md 或 .docx")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() not in (".md", ".docx"):
        parser.error("--out 须以 .md 或 .docx 结尾")
    try:
        wh = connect(args.warehouse)
        cov = coverage(wh)
        if args.year not in cov.years:
            parser.error(f"--year {args.year} 不在数据范围内（{cov.years[0] if cov.years else '—'}–"
                         f"{cov.years[-1] if cov.years else '—'}）")
        towns = dashboard.regions(wh, "")
        if args.area and args.area not in set(towns.loc[towns["level"] == "township", "region_code"]):
            parser.error(f"--area {args.area} 不是本仓库中的乡镇区划代码")
        audience = aud.INTERNAL if args.version in ("内部", "internal") else aud.PUBLIC
        made = build(wh, cov, Filters(scope="", township=args.area), args.year, args.half, audience)
    except WarehouseError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    write(made, args.out)
    print(f"已写入 {args.out}：{len(made.sections)} 节，{len(made.traces)} 个数字（附表2逐一列出来源）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
