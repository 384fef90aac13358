"""The one rounding rule: every number shown is rounded half up from the exact decimal it stands for."""

from __future__ import annotations

import pytest

from queries.catalog import METRICS
from queries.explore import change
from queries.publish import AMOUNT, CHANGE, MEAN, RATE, Cell, Publication, cell_text, number_text


@pytest.mark.parametrize(("cell", "text"), [
    (Cell(113_850.0, AMOUNT, "万元"), "11.39万元"),  # 11.385: float formatting gave 11.38
    (Cell(246_650.0, AMOUNT, "万元"), "24.67万元"),
    (Cell(-113_850.0, CHANGE, "万元"), "11.39万元"),  # a change's sign is a word
    (Cell(2.5, AMOUNT, "元"), "3元"),
    (Cell(3.25, MEAN, "个月", digits=1), "3.3个月"),
    (Cell(6.25, CHANGE, "%", digits=1), "6.3%"),
    (Cell(12_345_678.0, AMOUNT, "万元"), "1,234.57万元"),
    (Cell(85.0, RATE, "%"), "85.0%"),
])
def test_cells_round_half_up(cell, text):
    assert cell_text(cell) == text


def test_relative_change_rounds_half_up():
    """同比 of 17 against 16 is 6.25%: shown 6.3% (round() gave 6.2), on a page and in 指标分析 alike."""
    pub = Publication()
    pub.count("now", 17, "人")
    pub.count("before", 16, "人")
    pub.change("yoy", "now", "before", relative=True)
    assert pub.text("yoy") == "6.3%"
    assert change(pub, METRICS["persons"], "now", "before") == "+6.3%"
    assert number_text(0.125, "", 2) == "0.13"


def test_card_words_never_say_a_withheld_number_is_zero():
    """A village with no monitored households whose count is withheld ("×") must not read "无在监测户" under it,
    nor "全部已落实" over a withheld gap: the words would give the 0 away. Shown numbers keep their words."""
    from ui.render.screen import against_target

    def card(gap: float, base: float, hide: set[str]) -> tuple[str, bool | None]:
        pub = Publication()
        pub.count("gap", gap, "户")
        pub.count("base", base, "户")
        for k in hide:
            pub.cells[k].mark = "×"
        return against_target(pub, "gap", "base", f"其中无帮扶措施 {pub.text('gap')}", "全部已落实", "无在监测户")

    assert card(0, 0, {"base", "gap"}) == ("其中无帮扶措施 ×", None)
    assert card(0, 12, {"gap"}) == ("其中无帮扶措施 ×", None)
    assert card(0, 0, set()) == ("无在监测户", None)
    assert card(0, 12, set()) == ("全部已落实", True)
    assert card(3, 12, set()) == ("其中无帮扶措施 3户", False)
