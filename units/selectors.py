"""Reads of the units app."""

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connections, router
from django.http import Http404
from django.utils.translation import gettext as _

from core.rows import Columns, fetch_row

from .models import PATH_STEP, Unit


def unit_in_scope(user, code) -> Unit | None:
    """The unit with `code` when `user` may see it (`Unit.objects.for_user`: their units and everything
    below; an admin every unit), else None. The one scope check of every page, export and API call that
    names a unit: another unit answers 404, never its data."""
    return unit_in_scope_with(user, code)[0]


# Sorts after every character of a path (digits and "/"): the paths from P up to P followed by PATH_END are
# exactly those that start with P.
PATH_END = "~"


def subtree_sql(alias, column, of=None):
    """SQL keeping the rows whose path `column` lies in a subtree (its top included): that of the path column
    `of` of the same query, or, without it, that of the path given by two parameters, subtree_params(path).
    The paths from the top's up to the top's followed by PATH_END, in byte order: PostgreSQL compares so with
    its pattern operators, which a path's `LIKE` index serves whatever the database's collation, also in a
    plan made once for any parameters (core.rows.fetch_row), where `LIKE %s` would scan; SQLite compares
    bytes by default. Unit.objects.subtree's rule (a path that starts with the top's), spelled for SQL."""
    at_least, below = ("~>=~", "~<~") if connections[alias].vendor == "postgresql" else (">=", "<")
    low, high = (of, f"({of} || '{PATH_END}')") if of else ("%s", "%s")
    return f"{column} {at_least} {low} AND {column} {below} {high}"


def subtree_params(path):
    """The two parameters of subtree_sql without `of`."""
    return [path, path + PATH_END]


@functools.cache
def _scope_query(alias, through, admin, extra):
    """unit_in_scope's SQL: the unit by its code, for a user other than an administrator only below one of
    their units (Unit.objects.for_user's rule, in SQL of both backends), with `extra` columns."""
    quote = connections[alias].ops.quote_name
    unit = Columns(alias, Unit, "u")
    sql = f"SELECT {unit.sql}{', ' if extra else ''}{extra} FROM {unit.table} u WHERE u.{quote('code')} = %s"
    if not admin:
        user_column = quote(through._meta.get_field("user").column)
        unit_column = quote(through._meta.get_field("unit").column)
        below_theirs = subtree_sql(alias, f"u.{quote('path')}", of=f"s.{quote('path')}")
        sql += (
            f" AND EXISTS (SELECT 1 FROM {quote(through._meta.db_table)} a INNER JOIN {unit.table} s"
            f" ON s.{quote('id')} = a.{unit_column} WHERE a.{user_column} = %s AND {below_theirs})"
        )
    return sql, unit


def unit_in_scope_with(user, code, extra="", *, using=None) -> tuple[Unit | None, tuple]:
    """unit_in_scope's unit and, in the same query, the values of `extra`: SQL of more columns (without
    parameters), which may read the unit's columns as `u.column` (reports.reuse reads the versions of its
    subtree so). One query (none for a blank code), built once: through the ORM it cost more than the
    database's answer on every request (issue 16). (None, ()) when the unit is not in the scope."""
    code = (code or "").strip()
    if not code or not user.is_authenticated:
        return None, ()
    alias = using or router.db_for_read(Unit)
    admin = user.is_portal_admin
    through = user._meta.get_field("units").remote_field.through
    sql, unit = _scope_query(alias, through, admin, extra)
    row = fetch_row(alias, sql, [code] if admin else [code, user.pk])
    if row is None:
        return None, ()
    return unit.instance(row[: len(unit)]), tuple(row[len(unit) :])


def unit_in_scope_or_404(user, code) -> Unit:
    unit = unit_in_scope(user, code)
    if unit is None:
        raise Http404(_("No unit %(code)r in your scope.") % {"code": code})
    return unit


def todays_successors(unit: Unit, today) -> list[Unit]:
    """The units valid `today` that took over `unit` or a unit below it (their successors). One query."""
    return list(
        Unit.objects.valid_on(today).filter(predecessors__path__startswith=unit.path).distinct().order_by("code")
    )


def ancestors_in_scope(user, unit: Unit) -> list[Unit]:
    """The units above `unit` that `user` may see, from the top of their scope down (a breadcrumb); the
    unit itself not included. Two queries."""
    ids = [int(segment) for segment in unit.path.split("/") if segment][:-1]
    if not ids:
        return []
    return list(Unit.objects.for_user(user).filter(pk__in=ids).order_by("path").only("code", "name", "path"))


@dataclass(frozen=True)
class Lineage:
    """What today's tree adds to some units (`predecessors_by_successor`), by the given units' ids.

    - `added`: the units whose figures are added to the unit's in today's tree: the units outside its
      subtree whose successor chain ends inside it (own: ends at the unit itself), in path order. Only the
      highest is kept of a predecessor and another below it (its subtree is counted once).
    - `split`: the units split between the unit (or a unit below it) and units elsewhere: not added.
    """

    added: dict[int, list[Unit]] = field(default_factory=dict)
    split: dict[int, list[Unit]] = field(default_factory=dict)

    def predecessors(self) -> list[Unit]:
        """Every unit added to one of the units, once, in path order."""
        return sorted({u.pk: u for units in self.added.values() for u in units}.values(), key=lambda u: u.path)


def _chain_ends(links: dict[int, set[int]]) -> dict[int, frozenset[int]]:
    """{unit id: the ids its successor chains end at (units without a successor)} for every unit that has
    a successor, A -> B -> C giving A {C}. A cycle (which units_upsert refuses) ends where it closes."""
    ends: dict[int, frozenset[int]] = {}

    def resolve(pk, visiting):
        if pk in ends:
            return ends[pk]
        if pk not in links or pk in visiting:
            return frozenset([pk])
        visiting.add(pk)
        result = frozenset().union(*(resolve(successor, visiting) for successor in links[pk]))
        visiting.discard(pk)
        ends[pk] = result
        return result

    for pk in links:
        resolve(pk, set())
    return ends


def predecessors_by_successor(units, *, own: bool = False) -> Lineage:
    """The one spelling of "who are a unit's predecessors" (docs/kpis.md, "Today's tree"), for each of
    `units`: the units whose successor chain (transitively, A -> B -> C) leads into the unit's subtree
    (with `own`, to the unit itself) and that are not already inside that subtree.

    A unit whose chains end at several units (a split, such as a ward shared out between two new wards) is
    added only where every end lies inside the unit's subtree (own: never); elsewhere it is named in
    `split`. Two queries whatever the number of units: the successor links with their ends' paths, then
    the predecessors named (none when there are none)."""
    units = list(units)
    links: dict[int, set[int]] = defaultdict(set)
    paths: dict[int, str] = {}
    rows = Unit.successors.through.objects.values_list("from_unit_id", "from_unit__path", "to_unit_id", "to_unit__path")
    for from_id, from_path, to_id, to_path in rows:
        links[from_id].add(to_id)
        paths[from_id], paths[to_id] = from_path, to_path
    ids_by_path = defaultdict(list)
    for unit in units:
        ids_by_path[unit.path].append(unit.pk)

    def holders(path):
        """The paths of the given units whose subtree holds `path` (own: the unit at `path` itself)."""
        if own:
            return {path} & ids_by_path.keys()
        return {path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)} & ids_by_path.keys()

    added: dict[int, list[int]] = defaultdict(list)
    split: dict[int, list[int]] = defaultdict(list)
    for pk, ends in _chain_ends(links).items():
        held = [holders(paths[end]) for end in ends]
        for holder in set().union(*held):
            if paths[pk].startswith(holder):
                continue  # already inside the unit's subtree
            target = added if all(holder in h for h in held) else split
            for unit_pk in ids_by_path[holder]:
                target[unit_pk].append(pk)
    if not own:  # a predecessor below another one is in that one's subtree already
        for unit_pk, ids in added.items():
            tops = {paths[pk] for pk in ids}
            added[unit_pk] = [
                pk for pk in ids if not any(paths[pk][:i] in tops for i in range(PATH_STEP, len(paths[pk]), PATH_STEP))
            ]
    wanted = {pk for ids in (*added.values(), *split.values()) for pk in ids}
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=wanted).order_by()} if wanted else {}

    def named(ids_by_unit):
        return {
            unit_pk: sorted((by_id[pk] for pk in ids), key=lambda u: u.path) for unit_pk, ids in ids_by_unit.items()
        }

    return Lineage(named(added), named(split))
