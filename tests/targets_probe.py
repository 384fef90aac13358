"""Run in a fresh interpreter by tests/test_targets.py, with TARGETS_FILE set (the catalogue reads its
targets once, on import): prints, as JSON, what the app and the draft say about the rehab target — the
overview's paragraph and card, the rehab page's card, colours and bars, the draft's text, the unit table's
gaps.

    TARGETS_FILE=… WAREHOUSE_URL=… python tests/targets_probe.py YEAR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _values(data) -> list:
    """A figure's array as a list (plotly sends numbers as a typed array: dtype and base64 bytes)."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        return list(np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]))
    return list(data)


def main(year: int) -> dict:
    import os

    from conftest import card_html, open_app, shown_text

    from queries import draft
    from queries.common import Filters
    from queries.coverage import coverage
    from queries.dashboard import unit_table
    from queries.db import connect
    from ui.render import document

    out: dict = {}
    at = open_app("overview", {"year": str(year)})
    assert not at.exception, at.exception
    out["overview_summary"] = next(h.value for h in at.html if "summary-text" in h.value)
    out["overview_rehab_card"] = card_html(at, "康复服务率")
    out["overview_text"] = shown_text(at)
    at = open_app("rehabilitation", {"year": str(year)})
    assert not at.exception, at.exception
    out["rehab_text"] = shown_text(at)
    out["rehab_card"] = card_html(at, "康复服务率")
    out["rehab_subheaders"] = [s.value for s in at.subheader]
    pub = at.session_state["published"]
    out["rehab_cells"] = {k: [c.value, c.mark] for k, c in pub.cells.items()
                          if k.split("@")[0] in ("rehab_short", "rehab_rate", "below_units", "below_short")}
    import plotly.io as pio

    charts = [pio.from_json(c.proto.spec) for c in at.get("plotly_chart")]
    rank = next(c for c in charts if any(t.type == "bar" and t.orientation == "h" for t in c.data))
    bar = next(t for t in rank.data if t.type == "bar")
    out["rehab_bars"] = {"y": list(bar.y), "x": [None if v != v else float(v) for v in _values(bar.x)],
                         "colours": list(bar.marker.color), "shapes": [s.to_plotly_json() for s in rank.layout.shapes]}
    wh = connect(os.environ["WAREHOUSE_URL"])
    made = draft.build(wh, coverage(wh), Filters(scope=""), year)
    out["draft"] = document.markdown(made)
    units = unit_table(wh, Filters(scope=""), year)
    out["unit_table"] = units[["unit_code", "name", "rehab_need", "rehab_served", "rehab_rate", "rehab_short"]] \
        .to_dict("records")
    return out


if __name__ == "__main__":
    result = main(int(sys.argv[1]))
    print("PROBE-JSON" + json.dumps(result, ensure_ascii=False, default=float))
