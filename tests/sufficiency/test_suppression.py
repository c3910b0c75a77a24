"""Small-number suppression, worked by hand: counts, percentages, rates, groups with a total."""

from __future__ import annotations

import pytest

from sufficiency import suppression
from sufficiency.suppression import (
    DERIVED,
    NOT_SHOWN_TEXT,
    SECONDARY,
    SECONDARY_TEXT,
    SMALL_COUNT,
    SMALL_COUNT_TEXT,
    SMALL_DENOMINATOR,
    SMALL_NUMERATOR,
    Shown,
    suppress_group,
)


def texts(cells: list[Shown]) -> list[str]:
    return [cell.text for cell in cells]


# --- Counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_count_from_1_to_4_shows_as_fewer_than_5(n):
    cell = suppression.count(n)
    assert cell == Shown(SMALL_COUNT_TEXT, None, suppressed=True, reason=SMALL_COUNT)
    assert str(cell) == "fewer than 5"


@pytest.mark.parametrize(("n", "text"), [(0, "0"), (5, "5"), (1234, "1,234")])
def test_count_of_zero_or_5_and_more_is_shown(n, text):
    assert suppression.count(n) == Shown(text, n)


def test_count_not_available_is_said_so_and_not_suppressed():
    assert suppression.count(None) == Shown("Not available", None)


def test_count_uses_the_formatter_given():
    assert suppression.count(12, fmt=lambda v: f"{v} children").text == "12 children"
    assert suppression.count(3, fmt=lambda v: f"{v} children").text == "fewer than 5"


# --- Percentages ------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "Not available" if value is None else f"{value:.1f}%"


@pytest.mark.parametrize(
    ("numerator", "denominator", "text", "reason"),
    [
        (0, 10, "0.0%", ""),  # zero is shown
        (5, 10, "50.0%", ""),
        (5, 100, "5.0%", ""),
        (4, 100, NOT_SHOWN_TEXT, SMALL_NUMERATOR),
        (1, 100, NOT_SHOWN_TEXT, SMALL_NUMERATOR),
        (9, 9, NOT_SHOWN_TEXT, SMALL_DENOMINATOR),  # denominator 9: not shown
        (0, 9, NOT_SHOWN_TEXT, SMALL_DENOMINATOR),  # 0 of 9 says too much about a small group
        (6, 10, "60.0%", ""),  # denominator 10: shown
        (0, 0, "Not available", ""),  # no group, no percentage: nothing to hide
    ],
)
def test_percentage_hidden_on_small_numerator_or_denominator(numerator, denominator, text, reason):
    cell = suppression.percentage(numerator, denominator, fmt=percent)
    assert cell.text == text
    assert cell.reason == reason
    assert cell.suppressed is bool(reason)
    assert (cell.value is None) is (bool(reason) or denominator == 0)


def test_percentage_shows_the_stored_value_when_given():
    assert suppression.percentage(13, 120, 10.833, fmt=percent) == Shown("10.8%", 10.833)


# --- Rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("children", "hidden"), [(0, False), (1, True), (4, True), (5, False), (300, False)]
)
def test_rate_hidden_when_the_children_behind_it_are_1_to_4(children, hidden):
    cell = suppression.rate(round(children * 10_000 / 40_000), children)
    assert cell.suppressed is hidden
    assert (cell.value is None) is hidden
    if hidden:
        assert cell.text == NOT_SHOWN_TEXT


# --- Derived values and status ----------------------------------------------------------------


def test_change_hidden_when_either_side_is_hidden():
    now, before = suppression.count(7), suppression.count(3)
    assert suppression.derived(4, now, before).text == NOT_SHOWN_TEXT
    assert suppression.derived(4, now, before).reason == DERIVED
    assert suppression.derived(-4, before, now).suppressed
    assert suppression.derived(2, now, suppression.count(5)) == Shown("2", 2)


def test_rag_hidden_with_its_value():
    assert suppression.rag("green", "On target", suppression.count(3)) == (
        None,
        "Not shown: small number",
    )
    assert suppression.rag("red", "Off target", suppression.count(9)) == ("red", "Off target")


# --- Groups and secondary suppression ---------------------------------------------------------


def test_group_with_nothing_small_is_shown_as_it_is():
    cells, total = suppress_group([6, 7, 0], 13)
    assert texts(cells) == ["6", "7", "0"]
    assert total.text == "13"


def test_group_hides_the_next_smallest_cell_when_one_is_suppressed():
    # 3 alone would be 33 - 10 - 20 - 0: the 10 is hidden too; the 0 stays.
    cells, total = suppress_group([3, 10, 20, 0], 33)
    assert texts(cells) == [SMALL_COUNT_TEXT, SECONDARY_TEXT, "20", "0"]
    assert cells[1].reason == SECONDARY
    assert cells[1].value is None
    assert total.text == "33"


def test_group_never_hides_a_zero_for_secondary_suppression():
    cells, _ = suppress_group([4, 0, 0, 10], 14)
    assert texts(cells) == [SMALL_COUNT_TEXT, "0", "0", SECONDARY_TEXT]


def test_group_picks_the_first_of_equal_smallest_cells():
    cells, _ = suppress_group([8, 2, 8, 30], 48)
    assert texts(cells) == [SECONDARY_TEXT, SMALL_COUNT_TEXT, "8", "30"]


def test_group_with_two_small_cells_needs_no_secondary_when_they_cannot_be_told_apart():
    # 2 + 3 = 5 could be 1 + 4, 2 + 3, 3 + 2 or 4 + 1.
    cells, total = suppress_group([2, 3, 10, 12], 27)
    assert texts(cells) == [SMALL_COUNT_TEXT, SMALL_COUNT_TEXT, "10", "12"]
    assert total.text == "27"


def test_group_hides_more_when_two_small_cells_would_both_be_1():
    # Two cells of "fewer than 5" adding up to 22 - 20 = 2 are both 1: the 20 goes too.
    cells, total = suppress_group([1, 1, 20], 22)
    assert texts(cells) == [SMALL_COUNT_TEXT, SMALL_COUNT_TEXT, SECONDARY_TEXT]
    assert total.text == "22"


def test_group_hides_more_when_the_secondary_cell_would_give_the_small_one_away():
    # Hiding 1 and 5 leaves 26 - 20 = 6 between them; a hidden cell that is not "fewer than 5"
    # is 5 or more, so they would be 1 and 5. The 20 is hidden as well.
    cells, _ = suppress_group([1, 5, 20], 26)
    assert texts(cells) == [SMALL_COUNT_TEXT, SECONDARY_TEXT, SECONDARY_TEXT]


def test_group_hides_the_total_when_no_cell_is_left_to_hide():
    cells, total = suppress_group([3, 0], 5)  # not adding up: the total is hidden to be safe
    assert texts(cells) == [SMALL_COUNT_TEXT, "0"]
    assert total.suppressed
    assert total.text == SECONDARY_TEXT


def test_group_with_a_small_total_hides_the_total_and_its_small_cells():
    cells, total = suppress_group([3, 0, 1], 4)
    assert texts(cells) == [SMALL_COUNT_TEXT, "0", SMALL_COUNT_TEXT]
    assert total.text == SMALL_COUNT_TEXT


def test_group_with_an_unknown_cell_does_not_need_more_hidden():
    # 30 - 20 = 10 is shared between "fewer than 5" and a cell not available: neither is known.
    cells, _ = suppress_group([3, None, 20], 30)
    assert texts(cells) == [SMALL_COUNT_TEXT, "Not available", "20"]


def test_group_total_of_exactly_5_is_shown():
    cells, total = suppress_group([0, 2, 3], 5)
    assert texts(cells) == ["0", SMALL_COUNT_TEXT, SMALL_COUNT_TEXT]
    assert total.text == "5"


def test_group_no_hidden_cell_can_be_worked_out_from_what_is_shown():
    """Every group of 3 cells from 0 to 9: whatever is shown, each hidden cell could still be
    at least two different numbers, given the rules a reader knows."""
    for a in range(10):
        for b in range(10):
            for c in range(10):
                cells, total = suppress_group([a, b, c], a + b + c)
                if total.suppressed:
                    continue
                possible = _consistent([a, b, c], cells, a + b + c)
                for index, cell in enumerate(cells):
                    if cell.suppressed:
                        assert len({option[index] for option in possible}) > 1, (a, b, c)


def _consistent(cells: list[int], shown: list[Shown], total: int) -> list[tuple[int, ...]]:
    """Every set of values a reader could believe, from the words alone."""
    options: list[range] = []
    for value, cell in zip(cells, shown, strict=True):
        if not cell.suppressed:
            options.append(range(value, value + 1))
        elif cell.reason == SMALL_COUNT:
            options.append(range(1, 5))
        else:
            options.append(range(5, total + 1))
    return [
        (x, y, z) for x in options[0] for y in options[1] for z in options[2] if x + y + z == total
    ]
