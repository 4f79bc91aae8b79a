"""The attacker's linear programs on hand-made systems whose intervals are worked out by hand in each test."""

from __future__ import annotations

import math

import pytest

from ctdss.disclosure import Cell, Interval, audit_system
from ctdss.disclosure.lp import InconsistentTotals


def exact(cell_id: str, value: int, masked: bool = True, threshold: int = 5) -> Cell:
    """A cell whose value is known exactly (lower = upper); sensitive when masked and below the threshold."""
    return Cell(cell_id, value, value, masked, sensitive=masked and value < threshold)


def by_id(intervals: list[Interval]) -> dict[str, Interval]:
    return {i.cell.id: i for i in intervals}


def test_the_one_masked_cell_of_a_published_total_is_recovered_exactly():
    # t = a + b with t = 20 and b = 17 published: a = 20 - 17 = 3, whatever else the attacker does not know.
    cells = [exact("t", 20, masked=False), exact("a", 3), exact("b", 17, masked=False)]
    (a,) = audit_system(cells, [("t", ["a", "b"])], threshold=5)
    assert (a.cell.id, a.least, a.most) == ("a", 3, 3)
    assert a.is_recovered_exactly and not a.is_protected
    assert a.pinned_by == ("t",)


def test_two_masked_cells_with_a_large_partner_are_protected():
    # a + b = 103, both at least 0: each lies anywhere in [0, 103], so a (3) could be anything up to 103.
    cells = [exact("t", 103, masked=False), exact("a", 3), exact("b", 100)]
    found = by_id(audit_system(cells, [("t", ["a", "b"])], threshold=5))
    assert [(found[c].least, found[c].most) for c in "ab"] == [(0, 103), (0, 103)]
    assert all(i.is_protected and not i.is_recovered_exactly for i in found.values())


def rectangle() -> tuple[list[Cell], list[tuple[str, list[str]]]]:
    """x11 = 1, x12 = 6, x21 = 6, x22 = 1000, all masked; row and column totals published."""
    cells = [exact("x11", 1), exact("x12", 6), exact("x21", 6), exact("x22", 1000),
             exact("r1", 7, masked=False), exact("r2", 1006, masked=False),
             exact("c1", 7, masked=False), exact("c2", 1006, masked=False)]
    return cells, [("r1", ["x11", "x12"]), ("r2", ["x21", "x22"]), ("c1", ["x11", "x21"]), ("c2", ["x12", "x22"])]


def test_the_rectangle_leaves_the_small_cell_anywhere_from_0_to_7():
    # x11 + x12 = 7 caps x11 at 7 (x12 = 0, x21 = 0, x22 = 1006); x11 = 0 with x12 = 7, x21 = 7, x22 = 999.
    # Likewise x22 = 1006 - x21 lies in [999, 1006].
    found = by_id(audit_system(*rectangle(), threshold=5))
    assert (found["x11"].least, found["x11"].most) == (0, 7)
    assert (found["x22"].least, found["x22"].most) == (999, 1006)
    assert all(i.is_protected for i in found.values())
    assert found["x11"].pinned_by == ("r1", "c1")


def test_the_rectangle_is_too_narrow_at_a_threshold_above_its_total():
    # At threshold 11 the interval [0, 7] of x11 (true 1, sensitive) neither reaches 11 nor is 11 wide.
    cells, equations = rectangle()
    cells = [Cell(c.id, c.lower, c.upper, c.masked, sensitive=c.masked and c.lower < 11) for c in cells]
    found = by_id(audit_system(cells, equations, threshold=11))
    assert (found["x11"].least, found["x11"].most) == (0, 7) and not found["x11"].is_protected
    # x12 and x21 (6) are sensitive at 11 too; x22 (1000) is not, and keeps its interval [999, 1006].
    assert [c for c, i in found.items() if not i.is_protected] == ["x11", "x12", "x21"]


def test_a_total_below_the_threshold_gives_its_members_away():
    # a + b = 4: each lies in [0, 4], 4 wide but never 5 or more, so both are known to be small.
    cells = [exact("t", 4, masked=False), exact("a", 1), exact("b", 3)]
    found = by_id(audit_system(cells, [("t", ["a", "b"])], threshold=5))
    assert [(found[c].least, found[c].most, found[c].is_protected) for c in "ab"] == [(0, 4, False), (0, 4, False)]


def test_an_open_cell_stays_0_to_4_and_a_pinned_cell_that_is_not_sensitive_is_still_protected():
    # t (7 to 11) = o (open: 0 to 4) + a (7): o's lower is 0 whatever happens, so a = 7 - 0 = 7 exactly. The
    # attacker learns a, but a is not sensitive; o's value stays anywhere in [0, 4].
    cells = [Cell("t", 7, 11, masked=False), Cell("o", 0, 4, masked=True, open=True), exact("a", 7),
             Cell("lone", 0, 4, masked=True, open=True)]
    found = by_id(audit_system(cells, [("t", ["o", "a"])], threshold=5))
    assert (found["o"].feasible_lower, found["o"].feasible_upper) == (0, 4)
    assert (found["lone"].feasible_lower, found["lone"].feasible_upper) == (0, 4)
    assert not found["o"].is_recovered_exactly and found["o"].is_protected
    assert (found["a"].least, found["a"].most) == (7, 7)
    assert found["a"].is_recovered_exactly and found["a"].is_protected


def test_a_masked_total_of_one_published_member_is_that_member():
    # t = m with m = 3 published: masking t hides nothing.
    cells = [exact("t", 3), exact("m", 3, masked=False)]
    (t,) = audit_system(cells, [("t", ["m"])], threshold=5)
    assert (t.least, t.most, t.is_recovered_exactly, t.is_protected) == (3, 3, True, False)
    assert t.pinned_by == ()


def test_a_masked_total_of_one_masked_member_leaves_both_uncapped():
    # t = m, both masked: nothing published constrains m, so m and t are anything from 0 up.
    cells = [exact("t", 3), exact("m", 3)]
    found = by_id(audit_system(cells, [("t", ["m"])], threshold=5))
    assert all((i.least, i.most, i.is_protected) == (0, math.inf, True) for i in found.values())
    assert math.isinf(found["t"].feasible_upper)


def test_a_masked_total_of_masked_totals_is_the_sum_of_their_members():
    # s = c1 + c2 = 10 published; c2 = 6 published; c1 masked = t1 + t2 (masked): t1 + t2 = 10 - 6 = 4, so c1
    # is recovered exactly and t1, t2 each lie in [0, 4].
    cells = [exact("s", 10, masked=False), exact("c1", 4), exact("c2", 6, masked=False), exact("t1", 1),
             exact("t2", 3), exact("t3", 6, masked=False)]
    equations = [("s", ["c1", "c2"]), ("c1", ["t1", "t2"]), ("c2", ["t3"])]
    found = by_id(audit_system(cells, equations, threshold=5))
    assert (found["c1"].least, found["c1"].most, found["c1"].is_protected) == (4, 4, False)
    assert (found["t1"].least, found["t1"].most) == (0, 4)
    assert found["c1"].pinned_by == ("s",)


def test_published_totals_that_contradict_each_other_are_an_error():
    # a + b = 10 and a + b = 12 (two totals over the same cells) have no solution.
    cells = [exact("t", 10, masked=False), exact("u", 12, masked=False), exact("a", 3), exact("b", 7)]
    with pytest.raises(InconsistentTotals, match="do not add up"):
        audit_system(cells, [("t", ["a", "b"]), ("u", ["a", "b"])], threshold=5)
