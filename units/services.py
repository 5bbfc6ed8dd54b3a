"""Writes to the unit tree: `units_upsert`, the one write path of units (the import, the admin, the demo,
the synthetic dataset), `units_delete`, and `units_rebuild_paths`."""

from dataclasses import dataclass
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.errors import RowsRefused

from .models import Unit, UnitKind, code_validator, path_segment
from .signals import units_changed

# The fields a unit row may carry besides its code; a key left out of a row keeps the stored value.
FIELDS = ("name", "kind", "parent_code", "valid_from", "valid_to", "successor_codes")


@dataclass
class UnitsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def units_rebuild_paths() -> int:
    """Recompute every unit's path from the parent links (after bulk writes); returns how many changed."""
    rows = list(Unit.objects.values_list("pk", "parent_id", "path"))
    parent_of = {pk: parent_id for pk, parent_id, _path in rows}
    computed = {}

    def path_of(pk, seen=()):
        if pk in computed:
            return computed[pk]
        if pk in seen:
            raise ValidationError(_("The unit tree has a cycle through unit id %(pk)s.") % {"pk": pk})
        parent_id = parent_of[pk]
        prefix = path_of(parent_id, seen + (pk,)) if parent_id else ""
        computed[pk] = prefix + path_segment(pk)
        return computed[pk]

    changed = [Unit(pk=pk, path=path_of(pk)) for pk, _parent, path in rows if path_of(pk) != path]
    if changed:
        with transaction.atomic():
            Unit.objects.bulk_update(changed, ["path"], batch_size=1000)
            units_changed.send(Unit)
    return len(changed)


def _stored_successors(ids, code_of):
    through = Unit.successors.through
    result = {}
    for batch in batched(ids, 5000):
        for from_id, to_id in through.objects.filter(from_unit_id__in=batch).values_list("from_unit_id", "to_unit_id"):
            result.setdefault(code_of[from_id], []).append(code_of[to_id])
    return {code: tuple(sorted(codes)) for code, codes in result.items()}


def _check(final, stored, code_of, known, problems):
    """The rules of the tree, on the final state of each unit written."""
    kinds = set(UnitKind.values)
    for code, state in final.items():
        position = state["_position"]

        def refuse(field, message, position=position):
            problems.setdefault(position, []).append((field, message))

        try:
            code_validator(code)
            if len(code) > 40:
                raise ValidationError(_("%(code)r is longer than 40 characters") % {"code": code})
        except ValidationError as exc:
            refuse("code", f"{code!r}: {exc.messages[0]}")
        if not state["name"] or len(state["name"]) > 255:
            refuse("name", _("the name is empty or longer than 255 characters"))
        if state["kind"] not in kinds:
            refuse("kind", _("unknown unit kind %(kind)r") % {"kind": state["kind"]})
        if state["parent_code"] and state["parent_code"] not in known:
            refuse("parent_code", _("unknown unit code %(code)r") % {"code": state["parent_code"]})
        if state["parent_code"] == code:
            refuse("parent_code", _("a unit cannot be its own parent"))
        for successor in state["successor_codes"]:
            if successor not in known:
                refuse("successor_codes", _("unknown unit code %(code)r") % {"code": successor})
            elif successor == code:
                refuse("successor_codes", _("a unit cannot be its own successor"))
        if state["valid_from"] and state["valid_to"] and state["valid_to"] < state["valid_from"]:
            refuse(
                "valid_to",
                _("the end of validity (%(to)s) is before its start (%(from)s)")
                % {"to": state["valid_to"].strftime("%d/%m/%Y"), "from": state["valid_from"].strftime("%d/%m/%Y")},
            )

    def parent_of(code):
        if code in final:
            return final[code]["parent_code"]
        old = stored.get(code)
        return code_of.get(old["parent_id"]) if old else None

    for code, state in final.items():
        seen, current = {code}, state["parent_code"]
        while current:
            if current in seen:
                if current == code:
                    problems.setdefault(state["_position"], []).append(
                        (
                            "parent_code",
                            _("%(parent)r would put this unit below itself (a cycle in the tree)")
                            % {"parent": state["parent_code"]},
                        )
                    )
                break
            seen.add(current)
            current = parent_of(current)


def _plan(rows):
    """The stored units and the final state of each unit of `rows`, and the problems of that state."""
    stored = {
        u["code"]: u for u in Unit.objects.values("id", "code", "name", "kind", "parent_id", "valid_from", "valid_to")
    }
    code_of = {u["id"]: code for code, u in stored.items()}
    in_rows = {row["code"]: (position, row) for position, row in enumerate(rows)}
    known = set(stored) | set(in_rows)
    successors = _stored_successors([stored[code]["id"] for code in in_rows if code in stored], code_of)

    # The final state of each unit: the row's value where the row has the field, else the stored one.
    final = {}
    for code, (position, row) in in_rows.items():
        old = stored.get(code) or {}
        final[code] = {
            "_position": position,
            "name": row.get("name", old.get("name")),
            "kind": row.get("kind", old.get("kind")),
            "parent_code": row["parent_code"] if "parent_code" in row else code_of.get(old.get("parent_id")),
            "valid_from": row.get("valid_from", old.get("valid_from")),
            "valid_to": row.get("valid_to", old.get("valid_to")),
            "successor_codes": tuple(sorted(row["successor_codes"]))
            if row.get("successor_codes") is not None
            else successors.get(code, ()),
        }
    problems = {}
    _check(final, stored, code_of, known, problems)
    return stored, code_of, successors, final, problems


def units_refusals(rows) -> dict[int, list[tuple[str, str]]]:
    """What units_upsert would refuse in `rows`, without writing (for forms that check before saving)."""
    return _plan(list(rows))[-1]


def units_upsert(rows, *, user=None, reason: str = "") -> UnitsResult:
    """Create or update units by their code. Each row is a dict with `code` and any of FIELDS
    (`parent_code` and `successor_codes` name units by code, stored ones or others of `rows`); a field
    left out keeps its stored value (empty for a new unit). Units of `rows` may name each other in any
    order. Raises RowsRefused, writing nothing, when a row breaks a rule of the tree (unknown parent or
    successor, a cycle, a unit its own parent or successor, an end of validity before its start, an
    unknown kind, a bad code). Rebuilds the materialised paths once. `user` and `reason` are for the
    record (units have no history table)."""
    rows = list(rows)
    result = UnitsResult()
    if not rows:
        return result
    stored, code_of, successors, final, problems = _plan(rows)
    if problems:
        raise RowsRefused(problems, lambda position: rows[position]["code"])

    created, changed = [], []
    for code, state in final.items():
        old = stored.get(code)
        if old is None:
            created.append(code)
        elif (
            old["name"],
            old["kind"],
            code_of.get(old["parent_id"]),
            old["valid_from"],
            old["valid_to"],
            successors.get(code, ()),
        ) != (
            state["name"],
            state["kind"],
            state["parent_code"],
            state["valid_from"],
            state["valid_to"],
            state["successor_codes"],
        ):
            changed.append(code)
        else:
            result.unchanged += 1
    with transaction.atomic():
        new_units = Unit.objects.bulk_create(
            [
                Unit(
                    code=code,
                    name=final[code]["name"],
                    kind=final[code]["kind"],
                    valid_from=final[code]["valid_from"],
                    valid_to=final[code]["valid_to"],
                )
                for code in created
            ],
            batch_size=1000,
        )
        ids = {code: u["id"] for code, u in stored.items()}
        ids.update({unit.code: unit.pk for unit in new_units})
        Unit.objects.bulk_update(
            [
                Unit(
                    pk=ids[code],
                    code=code,
                    name=final[code]["name"],
                    kind=final[code]["kind"],
                    valid_from=final[code]["valid_from"],
                    valid_to=final[code]["valid_to"],
                    parent_id=ids.get(final[code]["parent_code"]),
                )
                for code in created + changed
            ],
            ["name", "kind", "valid_from", "valid_to", "parent"],
            batch_size=1000,
        )
        _write_successors(final, successors, ids)
        units_rebuild_paths()
        if created or changed:
            units_changed.send(Unit)
    result.created, result.updated = len(created), len(changed)
    return result


def _write_successors(final, stored_successors, ids):
    through = Unit.successors.through
    remove, add = [], []
    for code, state in final.items():
        old, new = set(stored_successors.get(code, ())), set(state["successor_codes"])
        remove += [(ids[code], ids[s]) for s in old - new]
        add += [through(from_unit_id=ids[code], to_unit_id=ids[s]) for s in new - old]
    for from_id, to_id in remove:
        through.objects.filter(from_unit_id=from_id, to_unit_id=to_id).delete()
    through.objects.bulk_create(add, batch_size=1000)


def units_delete(units, *, user=None, reason: str = "") -> int:
    """Delete units (a queryset or a list), returning how many. Raises RowsRefused, deleting nothing, for
    a unit that still has units below it (other than those deleted with it) or rows that protect it: its
    figures, its offerings, whatever the apps above point at a unit with `on_delete=PROTECT`, found
    through the model's relations without importing those apps. What a unit owns goes with it
    (`CASCADE`: its unit-months, targets, totals). Children are deleted before their parents. `user` and
    `reason` are for the record (units have no history table)."""
    units = list(units)
    if not units:
        return 0
    ids = [unit.pk for unit in units]
    problems = {}
    position_of = {unit.pk: position for position, unit in enumerate(units)}
    for batch in batched(ids, 5000):
        for unit_id in (
            Unit.objects.filter(parent_id__in=batch)
            .exclude(pk__in=ids)
            .order_by()
            .values_list("parent_id", flat=True)
            .distinct()
        ):
            problems.setdefault(position_of[unit_id], []).append(("code", _("units below it remain")))
    for relation in Unit._meta.related_objects:
        if relation.on_delete is not models.PROTECT or relation.related_model is Unit:
            continue
        column = relation.field.attname
        rows = relation.related_model._base_manager.order_by()
        for batch in batched(ids, 5000):
            for unit_id in rows.filter(**{f"{column}__in": batch}).values_list(column, flat=True).distinct():
                problems.setdefault(position_of[unit_id], []).append(
                    ("code", _("it still has %(rows)s") % {"rows": relation.related_model._meta.verbose_name_plural})
                )
    if problems:
        raise RowsRefused(problems, lambda position: units[position].code)
    with transaction.atomic():
        # The parent link protects a unit with units below it, so the deepest go first.
        for depth in sorted({len(unit.path) for unit in units}, reverse=True):
            level = [unit.pk for unit in units if len(unit.path) == depth]
            for batch in batched(level, 5000):
                Unit.objects.filter(pk__in=batch).delete()
        units_changed.send(Unit)
    return len(units)
