"""Secondary suppression: layouts, hand-worked attacks, sdcTable's golden case and random tables."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release.disclosure.suppression import Layout, attack, hierarchy_layout, primary, prove, suppress, two_way_layout


def with_margins(inner: list[list[int]]) -> list[int]:
    """The full (rows+1) x (cols+1) table, margins included, row-major as two_way_layout wants."""
    cells: list[int] = []
    for row in inner:
        cells += [*row, sum(row)]
    column_totals = [sum(col) for col in zip(*inner)]
    return cells + [*column_totals, sum(column_totals)]


def hidden_cells(mask: list[bool]) -> list[int]:
    return [i for i, h in enumerate(mask) if h]


def row_layout(n: int) -> Layout:
    """A one-way row of n cells and its total (the last cell)."""
    return hierarchy_layout({n: list(range(n))}, n + 1)


# --- layouts ----------------------------------------------------------------------------------


def test_two_way_layout_indexes_and_equations_for_2x3():
    layout = two_way_layout(2, 3)
    assert layout.size == 12
    assert layout.equations == (
        ((0, 1, 2), 3), ((4, 5, 6), 7), ((8, 9, 10), 11),  # rows, the total row last
        ((0, 4), 8), ((1, 5), 9), ((2, 6), 10), ((3, 7), 11),  # columns, the total column last
    )


def test_hierarchy_layout_municipalities_regions_nation():
    # municipalities 0..4; region A (5) = 0+1+2, region B (6) = 3+4; nation (7) = A+B
    layout = hierarchy_layout({7: [5, 6], 5: [0, 1, 2], 6: [3, 4]}, 8)
    assert layout == Layout(8, (((0, 1, 2), 5), ((3, 4), 6), ((5, 6), 7)))


@pytest.mark.parametrize("size,equations", [
    (3, (((0, 1), 3),)),  # index out of range
    (3, (((), 2),)),  # no parts
    (3, (((0, 2), 2),)),  # total among its parts
])
def test_bad_layouts_are_refused(size, equations):
    with pytest.raises(ValueError):
        Layout(size, equations)


# --- primary and validation -------------------------------------------------------------------


@pytest.mark.parametrize("values,k,expected", [
    ([0, 1, 4, 5, 12], 5, [False, True, True, False, False]),  # a true zero is not hidden
    ([0, 1, 2, 3], 3, [False, True, True, False]),
    ([0, 0, 7], 5, [False, False, False]),
])
def test_primary(values, k, expected):
    assert primary(values, k) == expected


@pytest.mark.parametrize("values", [
    [3, 7, 11],  # breaks the equation
    [-1, 4, 3],  # negative
    [3, 7],  # too short
    [1.5, 1.5, 3],  # not whole numbers
])
def test_bad_values_are_refused(values):
    with pytest.raises(ValueError):
        suppress(values, row_layout(2))
    with pytest.raises(ValueError):
        attack(values, row_layout(2), [False] * len(values))


def test_mask_of_wrong_length_is_refused():
    with pytest.raises(ValueError):
        attack([3, 7, 10], row_layout(2), [True, True])
    with pytest.raises(ValueError):
        suppress([3, 7, 10], row_layout(2), hidden=[True])


# --- one-way rows, table-driven ---------------------------------------------------------------


@pytest.mark.parametrize("values,k,margin,expected", [
    # one small cell: its partner is the smallest cell >= margin (5, not 7 or 20)
    ([3, 7, 5, 20, 35], 5, None, [0, 2]),
    ([3, 9, 6, 0, 18], 5, None, [0, 2]),
    # no cell >= margin: the largest cell gives the most slack
    ([3, 7, 8, 18], 5, 10, [0, 2]),
    # all other cells are zero: the total equals the small count, so it is primary itself
    ([3, 0, 0, 3], 5, None, [0, 3]),
    # two small cells hide each other, but 1 + 1 = 2 < margin: the largest cell is added
    ([1, 1, 30, 32], 5, None, [0, 1, 2]),
    # three small cells already leave each one in [0, 8]: nothing more
    ([3, 4, 1, 0, 8], 5, None, [0, 1, 2]),
    # nothing small: nothing hidden, zeros included
    ([0, 5, 0, 5], 5, None, []),
])
def test_one_way_rows(values, k, margin, expected):
    mask = suppress(values, row_layout(len(values) - 1), k=k, margin=margin)
    assert hidden_cells(mask) == expected


def test_one_way_row_partner_gives_the_margin():
    values = [3, 7, 5, 20, 35]
    layout = row_layout(4)
    bounds = attack(values, layout, suppress(values, layout))
    assert bounds == {0: (0.0, 8.0), 2: (0.0, 8.0)}


def test_one_way_row_with_hidden_total_is_unbounded():
    values = [3, 0, 0, 3]
    layout = row_layout(3)
    # x0 = x3 once both are hidden (the zeros are shown), and nothing bounds the total from above.
    assert attack(values, layout, suppress(values, layout)) == {0: (0.0, math.inf), 3: (0.0, math.inf)}


def test_hierarchy_cascades_from_a_region_to_the_nation():
    # municipalities 10, 6, 20 in region A (36); 2, 0 in region B (2); nation 38, costing what a
    # release costs them (the nation most). 2 is hidden, and so is region B (also 2); then the
    # nation's equation needs region A hidden too; then region A's equation needs its smallest
    # cell >= 5 (6). The zero stays shown.
    layout = hierarchy_layout({5: [0, 1, 2], 6: [3, 4], 7: [5, 6]}, 8)
    values = [10, 6, 20, 2, 0, 36, 2, 38]
    mask = suppress(values, layout, cost=[1, 1, 1, 1, 1, 2, 2, 3])
    assert hidden_cells(mask) == [1, 3, 5, 6]
    # By hand: x3 = x6 (x4 = 0 is shown), x5 + x6 = 38, x5 = 10 + x1 + 20 >= 30, so x6 <= 8.
    assert attack(values, layout, mask) == {1: (0.0, 8.0), 3: (0.0, 8.0), 5: (30.0, 38.0), 6: (0.0, 8.0)}


def test_local_suppression_hides_where_no_new_equation_opens():
    # The same hierarchy at equal costs, suppressed locally: hiding the nation's total leaves no
    # equation with a single hidden cell, where region A would need one of its municipalities
    # too: three cells hidden instead of four, each unbounded above.
    layout = hierarchy_layout({5: [0, 1, 2], 6: [3, 4], 7: [5, 6]}, 8)
    values = [10, 6, 20, 2, 0, 36, 2, 38]
    assert hidden_cells(suppress(values, layout)) == [1, 3, 5, 6]
    mask = suppress(values, layout, local=True)
    assert hidden_cells(mask) == [3, 6, 7]
    assert attack(values, layout, mask) == {3: (0.0, math.inf), 6: (0.0, math.inf), 7: (36.0, math.inf)}


# --- hand-worked two-way attacks --------------------------------------------------------------


def test_attack_on_hidden_2x2_interior_by_hand():
    # interior [[3, 7], [6, 4]]; row totals 10, 10; column totals 9, 11; grand total 20.
    # Put x00 = a: x01 = 10 - a, x10 = 9 - a, x11 = 11 - x01 = 1 + a; all >= 0 gives a in [0, 9].
    values = with_margins([[3, 7], [6, 4]])
    assert values == [3, 7, 10, 6, 4, 10, 9, 11, 20]
    mask = [True, True, False, True, True, False, False, False, False]
    assert attack(values, two_way_layout(2, 2), mask) == {
        0: (0.0, 9.0), 1: (1.0, 10.0), 3: (0.0, 9.0), 4: (1.0, 10.0),
    }


def test_suppress_2x2_hides_the_interior_rectangle():
    # 3 and 4 are small; each row takes its other cell (7, 6): the interior rectangle above.
    values = with_margins([[3, 7], [6, 4]])
    assert hidden_cells(suppress(values, two_way_layout(2, 2))) == [0, 1, 3, 4]


def test_a_zero_part_is_hidden_before_a_total():
    # interior [[3, 20], [6, 0]]: 3 takes 20 (row 0) and 6 (column 0); row 1 then needs one more:
    # the zero part, not the row total 6, which would cascade through the margins (7 cells).
    values = with_margins([[3, 20], [6, 0]])
    layout = two_way_layout(2, 2)
    mask = suppress(values, layout)
    assert hidden_cells(mask) == [0, 1, 3, 4]
    # x00 = a: x01 = 23 - a, x10 = 9 - a, x11 = 6 - x10 = a - 3; all >= 0 gives a in [3, 9].
    assert attack(values, layout, mask) == {0: (3.0, 9.0), 1: (14.0, 20.0), 3: (0.0, 6.0), 4: (0.0, 6.0)}


def test_a_total_is_hidden_when_no_part_can_be():
    # a 2 x 1 table: each row has one cell, so the row total is its only partner. 3 is small (and
    # so is its row total); column 0 takes the 20, and row 1 can then only hide its total.
    values = with_margins([[3], [20]])
    assert values == [3, 3, 20, 20, 23, 23]
    mask = suppress(values, two_way_layout(2, 1))
    assert hidden_cells(mask) == [0, 1, 2, 3]
    assert attack(values, two_way_layout(2, 1), mask)[0] == (0.0, 23.0)


def test_attack_on_a_wholly_hidden_table_is_unbounded():
    values = with_margins([[3, 7], [6, 4]])
    bounds = attack(values, two_way_layout(2, 2), [True] * 9)
    assert bounds == {i: (0.0, math.inf) for i in range(9)}


def test_attack_pins_a_single_hidden_cell():
    values = with_margins([[3, 7], [6, 4]])
    assert attack(values, two_way_layout(2, 2), [True] + [False] * 8) == {0: (3.0, 3.0)}


def test_widening_reaches_beyond_a_cells_own_equations():
    # interior [[0, 0, 20], [2, 2, 1]], margin 9. Cells 0, 2..9 hidden from the start hold cell 4
    # (value 2) to [0, 4]; all members of its row and column are hidden, so a cell further out is
    # hidden: the largest shown part of the next equations, column total 21 (cell 10), which also
    # frees the hidden zero (cell 0) beside the shown one.
    values = with_margins([[0, 0, 20], [2, 2, 1]])
    layout = two_way_layout(2, 3)
    before = [i in (0, 2, 3, 4, 5, 6, 7, 8, 9) for i in range(12)]
    assert attack(values, layout, before)[4] == (0.0, 4.0)
    mask = suppress(values, layout, margin=9, hidden=before)
    assert hidden_cells(mask) == [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert attack(values, layout, mask) == {i: (0.0, 25.0) for i in [0, *range(2, 11)]}


# --- golden: sdcTable's own test of its SIMPLEHEURISTIC -----------------------------------------
# Source: R package sdcTable (sdcTools/sdcTable on GitHub, also the CRAN mirror),
# tests/testthat/test-simpleheuristic.R. A 4 x 4 table (rows w, x, y, z; columns a, b, c, d)
# with nine cells marked unsafe. Every equation has >= 2 suppressions, yet w|b = 47 can be
# recomputed exactly from a combination of rows and columns. sdcTable expects protectTable() to add
# exactly one suppression, after which attack() gives w|b the bounds [0, 141]. Its comment names
# x|b as the cell that makes the table safe.
# The file also writes out column totals a = 1021 and c = 770, which do not match its inner cells
# (1012 and 779); sdcTable only uses the inner cells and recomputes every total.

SDC_INNER = [[30, 47, 64, 89], [90, 124, 5, 31], [92, 100, 59, 85], [800, 991, 651, 685]]
SDC_UNSAFE = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 1), (2, 3), (3, 1), (3, 3)]


def sdc_cell(r: int, c: int) -> int:
    return r * 5 + c


def sdc_mask() -> list[bool]:
    mask = [False] * 25
    for r, c in SDC_UNSAFE:
        mask[sdc_cell(r, c)] = True
    return mask


def test_golden_sdctable_attack_recomputes_w_b_exactly():
    values = with_margins(SDC_INNER)
    bounds = attack(values, two_way_layout(4, 4), sdc_mask())
    assert bounds[sdc_cell(0, 1)] == (47.0, 47.0)


def test_golden_sdctable_their_one_more_suppression_gives_0_to_141():
    values = with_margins(SDC_INNER)
    mask = sdc_mask()
    mask[sdc_cell(1, 1)] = True  # x|b, the cell sdcTable's comment names
    assert attack(values, two_way_layout(4, 4), mask)[sdc_cell(0, 1)] == (0.0, 141.0)


def test_golden_sdctable_our_engine_also_needs_exactly_one_more_suppression():
    # sdcTable adds x|b (124); the engine relaxes an equation that binds w|b at its optimum and
    # takes its smallest cell of at least k there, x|d (31): one suppression too, less lost.
    values = with_margins(SDC_INNER)
    layout = two_way_layout(4, 4)
    mask = suppress(values, layout, k=5, hidden=sdc_mask())
    assert hidden_cells(mask) == sorted([sdc_cell(r, c) for r, c in SDC_UNSAFE] + [sdc_cell(1, 3)])
    lo, hi = attack(values, layout, mask)[sdc_cell(0, 1)]
    assert (lo, hi) == (0.0, 78.0) and hi - lo >= 5


def test_golden_sdctable_totals_as_written_are_refused():
    values = with_margins(SDC_INNER)
    values[20], values[22] = 1021, 770  # the column totals as the file writes them
    with pytest.raises(ValueError):
        attack(values, two_way_layout(4, 4), sdc_mask())


# --- the attacker on random tables ------------------------------------------------------------


def assert_safe(values, layout, mask, k, margin, initial=None):
    """The guarantees of suppress(), checked by attacking its result."""
    margin = k if margin is None else margin
    assert len(mask) == layout.size
    # (a) no equation has exactly one hidden cell
    for parts, total in layout.equations:
        assert sum(mask[m] for m in (*parts, total)) != 1
    # (c) no small count is shown; an initial mask is kept
    assert all(mask[i] for i, small in enumerate(primary(values, k)) if small)
    if initial is not None:
        assert all(mask[i] for i, h in enumerate(initial) if h)
    bounds = attack(values, layout, mask)
    assert sorted(bounds) == hidden_cells(mask)
    for i in hidden_cells(mask):
        lo, hi = bounds[i]
        # (b) every hidden cell's interval is at least `margin` wide, unless all is hidden
        assert hi - lo >= margin - 1e-6 or all(mask)
    # (e) the proof agrees with the exact attack
    proof = prove(values, layout, mask, k=k, margin=margin)
    assert proof.narrow == {} or all(mask)
    if proof.narrowest is not None:
        cell, lo, hi = proof.narrowest
        assert (lo, hi) == bounds[cell]
        assert hi - lo == min(b - a for a, b in bounds.values())
    # (d) the true value lies within every interval
    for i, (lo, hi) in bounds.items():
        assert lo - 1e-6 <= values[i] <= hi + 1e-6


counts = st.one_of(st.integers(0, 12), st.integers(0, 12), st.integers(13, 400))
margins = st.sampled_from([None, 1, 5, 9])


@st.composite
def two_way_tables(draw):
    n_rows, n_cols = draw(st.integers(2, 6)), draw(st.integers(2, 8))
    inner = [[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)]
    return with_margins(inner), two_way_layout(n_rows, n_cols)


@st.composite
def hierarchies(draw):
    """Municipalities -> regions -> nation: municipalities first, then regions, the nation last."""
    regions = draw(st.lists(st.lists(counts, min_size=1, max_size=8), min_size=1, max_size=5))
    values = [v for region in regions for v in region]
    children, start = {}, 0
    first_region = len(values)
    for r, region in enumerate(regions):
        children[first_region + r] = list(range(start, start + len(region)))
        start += len(region)
        values.append(sum(region))
    nation = first_region + len(regions)
    children[nation] = list(range(first_region, nation))
    values.append(sum(values[first_region:nation]))
    return values, hierarchy_layout(children, nation + 1)


@settings(max_examples=100, deadline=None)
@given(two_way_tables(), margins)
def test_random_two_way_tables_resist_the_attack(table, margin):
    values, layout = table
    mask = suppress(values, layout, k=5, margin=margin)
    assert_safe(values, layout, mask, 5, margin)
    assert suppress(values, layout, k=5, margin=margin) == mask  # deterministic


@settings(max_examples=100, deadline=None)
@given(hierarchies(), margins)
def test_random_hierarchies_resist_the_attack(table, margin):
    values, layout = table
    assert_safe(values, layout, suppress(values, layout, k=5, margin=margin), 5, margin)


@settings(max_examples=25, deadline=None)
@given(two_way_tables(), st.data())
def test_random_initial_masks_are_kept_and_protected(table, data):
    values, layout = table
    initial = data.draw(st.lists(st.booleans(), min_size=layout.size, max_size=layout.size))
    mask = suppress(values, layout, k=5, hidden=initial)
    assert_safe(values, layout, mask, 5, None, initial)


# --- unreleased cells, costs and what else the intruder knows -----------------------------------


def test_a_small_difference_of_two_shown_counts_is_protected():
    # Courses active on a day (100) inside those active in its quarter (103): the 3 that ended in
    # the quarter are persons too. Unreleased, but two shown counts would give them away.
    values = [100, 3, 103]
    layout = Layout(3, (((0, 1), 2),))
    mask = suppress(values, layout, k=5, released=[True, False, True])
    assert mask[1] and (mask[0] or mask[2])
    proof = prove(values, layout, mask, released=[True, False, True], k=5)
    assert proof.narrow == {} and proof.protected == 2


def test_a_large_difference_is_left_known():
    values = [100, 30, 130]
    layout = Layout(3, (((0, 1), 2),))
    assert suppress(values, layout, k=5, released=[True, False, True]) == [False, True, False]


def test_the_cheapest_cell_is_hidden_first():
    # 3 + 7 + 9 = 19: hiding 7 would do, but it costs more than 9 here.
    values = [3, 7, 9, 19]
    layout = row_layout(3)
    assert hidden_cells(suppress(values, layout, k=5, cost=[0, 2, 1, 3])) == [0, 2]
    assert hidden_cells(suppress(values, layout, k=5)) == [0, 1]


def test_knowing_a_hidden_cell_is_at_least_one_can_narrow_it():
    # 2 + 3 hidden beside a shown 20 and total 25: each lies in [0, 5]; known to be >= 1, in [1, 4].
    values = [2, 3, 20, 25]
    layout = row_layout(3)
    mask = [True, True, False, False]
    assert prove(values, layout, mask, k=5).narrow == {}
    assert prove(values, layout, mask, k=5, lower=[1, 1, 0, 0]).narrow == {0: (1.0, 4.0), 1: (1.0, 4.0)}
    with pytest.raises(ValueError):
        prove(values, layout, mask, k=5, lower=[3, 0, 0, 0])
