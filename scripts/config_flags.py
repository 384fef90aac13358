"""Print a Streamlit config.toml as `streamlit run` flags, one argument per line (lists repeat the flag).

Streamlit reads config.toml only from ~/.streamlit and the working directory, so scripts/serve_many.sh passes
deploy/streamlit-production.toml this way; flags override .streamlit/config.toml.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def flags(path: Path) -> list[str]:
    """`--section.key value` arguments for every option in the file."""
    out: list[str] = []
    for section, options in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for key, value in options.items():
            for item in value if isinstance(value, list) else [value]:
                text = str(item).lower() if isinstance(item, bool) else str(item)
                out += [f"--{section}.{key}", text]
    return out


if __name__ == "__main__":
    print("\n".join(flags(Path(sys.argv[1]))))
