"""Who are a unit's predecessors (units.selectors.predecessors_by_successor): the units whose successor
chain leads into it, transitively, without the splits and without what its subtree already holds."""

import datetime

import pytest

from tests.factories import UnitFactory
from units.models import UnitKind
from units.selectors import predecessors_by_successor

pytestmark = pytest.mark.django_db

END = datetime.date(2025, 6, 30)
START = datetime.date(2025, 7, 1)


@pytest.fixture
def reform():
    """Province P: districts D1 and D2 end with June 2025. New communes N1 (A of D1 and B of D2 merged) and
    N2 (C -> M -> N2: a chain); S split between N1 and N2; O without a successor. Province Q's X joined N1."""
    p = UnitFactory(code="P", kind=UnitKind.PROVINCE)
    d1 = UnitFactory(code="D1", kind=UnitKind.DISTRICT, parent=p, valid_to=END)
    d2 = UnitFactory(code="D2", kind=UnitKind.DISTRICT, parent=p, valid_to=END)
    units = {"P": p, "D1": d1, "D2": d2}
    for code, parent, valid_from, valid_to in (
        ("A", d1, None, END),
        ("S", d1, None, END),
        ("B", d2, None, END),
        ("C", d2, None, datetime.date(2024, 12, 31)),
        ("M", d2, datetime.date(2025, 1, 1), END),
        ("O", d2, None, END),
        ("N1", p, START, None),
        ("N2", p, START, None),
    ):
        units[code] = UnitFactory(code=code, parent=parent, valid_from=valid_from, valid_to=valid_to)
    units["Q"] = UnitFactory(code="Q", kind=UnitKind.PROVINCE)
    units["X"] = UnitFactory(code="X", parent=units["Q"], valid_to=END)
    for old, new in (("A", "N1"), ("B", "N1"), ("X", "N1"), ("C", "M"), ("M", "N2"), ("S", "N1"), ("S", "N2")):
        units[old].successors.add(units[new])
    return units


def codes(units):
    return [unit.code for unit in units]


def test_a_merger_a_chain_a_split_and_a_unit_without_successor(reform, django_assert_num_queries):
    u = reform
    with django_assert_num_queries(2):
        lineage = predecessors_by_successor([u["N1"], u["N2"], u["O"]])
    # Communes of two districts (and of another province) merged into N1; the chain C -> M -> N2 in full.
    assert codes(lineage.added[u["N1"].pk]) == ["A", "B", "X"]
    assert codes(lineage.added[u["N2"].pk]) == ["C", "M"]
    # S went to both: added to neither, named in both.
    assert codes(lineage.split[u["N1"].pk]) == ["S"]
    assert codes(lineage.split[u["N2"].pk]) == ["S"]
    assert u["O"].pk not in lineage.added and u["O"].pk not in lineage.split
    assert codes(lineage.predecessors()) == ["A", "B", "C", "M", "X"]  # each once, in path order


def test_what_the_subtree_holds_is_not_added_again(reform):
    u = reform
    lineage = predecessors_by_successor([u["P"], u["Q"]])
    # P's subtree holds A, B, C, M and S already: only X, from province Q, is added (S's successors are
    # both in P, so at P's level it is not split). Q gets nothing: X's figures went out of it.
    assert codes(lineage.added[u["P"].pk]) == ["X"]
    assert u["P"].pk not in lineage.split
    assert u["Q"].pk not in lineage.added and u["Q"].pk not in lineage.split


def test_own_figures_take_the_units_that_end_at_the_unit_itself(reform):
    u = reform
    lineage = predecessors_by_successor([u["N1"], u["N2"], u["P"]], own=True)
    assert codes(lineage.added[u["N1"].pk]) == ["A", "B", "X"]
    assert codes(lineage.added[u["N2"].pk]) == ["C", "M"]
    assert codes(lineage.split[u["N1"].pk]) == ["S"]
    assert u["P"].pk not in lineage.added  # nothing ends at the province itself


def test_a_predecessor_below_another_is_counted_once(reform):
    u = reform
    # A whole district taken over by a new one: its commune, taken over by N2 too, is inside its subtree.
    district = UnitFactory(code="N3", kind=UnitKind.DISTRICT, parent=u["P"], valid_from=START)
    old = UnitFactory(code="OLD", kind=UnitKind.DISTRICT, parent=u["Q"], valid_to=END)
    below = UnitFactory(code="OLD.1", parent=old, valid_to=END)
    new = UnitFactory(code="N3.1", parent=district, valid_from=START)
    old.successors.add(district)
    below.successors.add(new)
    lineage = predecessors_by_successor([district, new])
    assert codes(lineage.added[district.pk]) == ["OLD"]
    assert codes(lineage.added[new.pk]) == ["OLD.1"]


def test_the_query_count_does_not_grow_with_the_units(reform, django_assert_num_queries):
    more = []
    for n in range(8):
        old = UnitFactory(code=f"OLD{n}", parent=reform["D1"], valid_to=END)
        new = UnitFactory(code=f"NEW{n}", parent=reform["P"], valid_from=START)
        old.successors.add(new)
        more.append(new)
    with django_assert_num_queries(2):
        lineage = predecessors_by_successor([reform["N1"], reform["N2"], *more])
    assert [codes(lineage.added[unit.pk]) for unit in more] == [[f"OLD{n}"] for n in range(8)]
    with django_assert_num_queries(1):  # nobody has predecessors: no second query
        assert predecessors_by_successor([reform["O"]]).added == {}
