"""Golden test from a published cell-suppression example.

The table and its published suppression pattern come from the Australian Bureau of Statistics'
cell-suppression software (README "Context - What is suppression?"), which follows Fischetti &
Salazar-González, "Solving the cell suppression problem on tabular data with linear
constraints", Management Science 47(7), 2001. The same table and pattern are the fixture of the
R tests of `determine_cell_suppression` (regions A-C by activities I-III, transposed).

            A     B     C   Total
    I      20    50    10     80
    II      8    19   [22]    49      [22] must not be published
    III    17    32    12     61
    Total  45   101    44    190

Published solution: hide (II, A), (II, C), (III, A), (III, C). The intruder can then only shift
d around that rectangle: (II,A) = 8+d, (II,C) = 22-d, (III,A) = 17-d, (III,C) = 12+d, all >= 0,
so d lies in [-8, 17] and (II, C) in [5, 30] - worked out by hand, and what attack() must find.
"""

from release.disclosure import suppression

TABLE = [
    20, 50, 10, 80,
    8, 19, 22, 49,
    17, 32, 12, 61,
    45, 101, 44, 190,
]
II_A, II_C, III_A, III_C = 4, 6, 8, 10
PUBLISHED_PATTERN = [i in (II_A, II_C, III_A, III_C) for i in range(16)]


def test_layout_matches_the_published_table():
    layout = suppression.two_way_layout(3, 3)
    assert layout.size == 16
    for parts, total in layout.equations:
        assert sum(TABLE[i] for i in parts) == TABLE[total]


def test_attack_on_the_published_pattern_gives_the_hand_worked_intervals():
    intervals = suppression.attack(TABLE, suppression.two_way_layout(3, 3), PUBLISHED_PATTERN)
    assert intervals == {II_A: (0, 25), II_C: (5, 30), III_A: (0, 25), III_C: (4, 29)}


def test_hiding_only_the_sensitive_cell_lets_it_be_recomputed():
    only = [i == II_C for i in range(16)]
    assert suppression.attack(TABLE, suppression.two_way_layout(3, 3), only) == {II_C: (22, 22)}


def test_our_pattern_protects_the_sensitive_cell_at_least_as_the_margin_asks():
    layout = suppression.two_way_layout(3, 3)
    hidden = suppression.suppress(TABLE, layout, k=5, margin=5, hidden=[i == II_C for i in range(16)])
    assert hidden[II_C]
    for parts, total in layout.equations:
        assert sum(hidden[i] for i in (*parts, total)) != 1
    lo, hi = suppression.attack(TABLE, layout, hidden)[II_C]
    assert lo <= 22 <= hi and hi - lo >= 5
