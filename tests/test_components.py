"""Page components follow every filter: the numbers a page publishes by category (and for children) equal
an independent pandas computation from the extracts with the same category, level and area (issue 12)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import open_app
from expected import _rehab, people, subsidy_by_category_level

from ui import auth
from ui.labels import CATEGORY_LABELS

ANALYST = auth.User("分析员", "analyst")
FILTERS = [{}, {"cat": "4"}, {"level": "2"}, {"cat": "4", "level": "1"}]


@pytest.fixture(autouse=True)
def warehouse(duck_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)


def _town(extracts) -> str:
    return sorted(people(extracts)["town"].unique())[1]


def _filtered(frame, params, category="category_code", level="level_code"):
    if "cat" in params:
        frame = frame[frame[category] == int(params["cat"])]
    if "level" in params:
        frame = frame[frame[level] == int(params["level"])]
    return frame


@pytest.mark.slow
@pytest.mark.parametrize("area", ["county", "town"])
def test_rehab_by_category_and_children_follow_filters(extracts, area):
    town = _town(extracts)
    towns = [town] if area == "town" else sorted(people(extracts)["town"].unique())
    levels = people(extracts).set_index("cert")["level"]
    for params in FILTERS:
        at = open_app("rehabilitation", {"year": "2024", **params, **({"town": town} if area == "town" else {})},
                      user=ANALYST)
        assert not at.exception
        pub = at.session_state["published"]
        rows = []
        for t in towns:  # pandas per township, with the level of each person (rehab_by_group has none)
            rehab = _rehab(extracts, t, 2024)
            rehab["level_code"] = rehab["cert"].map(levels)
            rows.append(rehab)
        rehab = _filtered(pd.concat(rows), params, "category", "level_code")
        per = rehab.groupby(["cert", "category", "birth_year"])["served"].any().reset_index()
        per["child"] = 2024 - per["birth_year"] <= 16
        for block, part in (("cat", per), ("kid", per[per["child"]])):
            sums = part.groupby("category").agg(need=("cert", "size"), served=("served", "sum"))
            for code, row in sums.iterrows():
                name = CATEGORY_LABELS[code]
                assert pub.value(f"{block}_need_persons@{name}") == row["need"], (params, block, name)
                assert pub.value(f"{block}_served_persons@{name}") == row["served"], (params, block, name)
            assert pub.value(f"{block}_need_persons@total") == len(part), (params, block)


@pytest.mark.slow
@pytest.mark.parametrize("area", ["county", "town"])
def test_subsidy_by_category_and_level_follow_filters(extracts, area):
    town = _town(extracts)
    towns = [town] if area == "town" else sorted(people(extracts)["town"].unique())
    expected = pd.concat([subsidy_by_category_level(extracts, t, 2024) for t in towns])
    for params in FILTERS:
        at = open_app("subsidies", {"year": "2024", **params, **({"town": town} if area == "town" else {})},
                      user=ANALYST)
        assert not at.exception
        pub = at.session_state["published"]
        chosen = _filtered(expected, params)
        for code in ("living", "nursing"):
            mine = chosen[chosen["subsidy_code"] == code]
            for name, row in mine.groupby("category_code")[["eligible", "eligible_paid"]].sum().iterrows():
                label = CATEGORY_LABELS[name]
                assert pub.value(f"cat_eligible_{code}@{label}") == row["eligible"], (params, code, label)
                assert pub.value(f"cat_eligible_paid_{code}@{label}") == row["eligible_paid"], (params, code, label)
            if "cat" in params:  # only the chosen category is drawn
                assert not any(k.startswith(f"cat_eligible_{code}@") and k.split("@")[1] not in
                               (CATEGORY_LABELS[int(params["cat"])], "total") for k in pub.cells), params
