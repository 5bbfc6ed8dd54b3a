"""Writes of the procedures app: the catalogue (`procedures_upsert`, `procedures_delete`) and offerings
(`offerings_upsert`, `offerings_write`, `offering_save`), the one write path of each, which the import,
the admin, the demo and the synthetic dataset call. Offerings are written with their history, and the
higher apps whose derived figures depend on the level in force (reports' KPI totals) hear of every change
through the `offerings_changed` signal, inside the same transaction."""

from dataclasses import dataclass
from itertools import batched

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import RowsRefused

from .models import AuthorityLevel, Field, Offering, Procedure, ServiceLevel, field_code_for, fold_field_name
from .rules import department_refusals
from .signals import catalogue_changed, offerings_changed


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def fields_upsert(rows, *, user=None, reason: str = "") -> UpsertResult:
    """Create or rename fields of procedures by code. Each row is a dict with `code` and `name`. Raises
    RowsRefused, writing nothing, for an empty or too long code or name."""
    rows = list(rows)
    problems = {}
    for position, row in enumerate(rows):
        if not row.get("code") or len(row["code"]) > 40:
            problems.setdefault(position, []).append(("code", _("the code is empty or longer than 40 characters")))
        if not row.get("name") or len(row["name"]) > 255:
            problems.setdefault(position, []).append(("name", _("the name is empty or longer than 255 characters")))
    if problems:
        raise RowsRefused(problems, lambda position: rows[position].get("code"))
    stored = {f.code: f for f in Field.objects.filter(code__in=[row["code"] for row in rows])}
    new, changed, result = [], [], UpsertResult()
    for row in rows:
        field = stored.get(row["code"])
        if field is None:
            new.append(Field(code=row["code"], name=row["name"]))
        elif field.name != row["name"]:
            field.name = row["name"]
            changed.append(field)
        else:
            result.unchanged += 1
    with transaction.atomic():
        Field.objects.bulk_create(new, batch_size=1000)
        Field.objects.bulk_update(changed, ["name"], batch_size=1000)
        if changed:
            catalogue_changed.send(Field)
    result.created, result.updated = len(new), len(changed)
    return result


def fields_by_name() -> dict[str, Field]:
    """{folded name: field} of the catalogue (procedures.models.fold_field_name)."""
    return {fold_field_name(field.name): field for field in Field.objects.all()}


def _fields_of(rows, problems):
    """{position: Field or None} for rows naming a field by `field_code` and/or `field` (its name): a code
    finds its field (created with the row's name when new); a name alone finds the field of that name, or a
    new one with a code made from the name. Rows without either key are left out (their field is kept)."""
    by_code = {f.code: f for f in Field.objects.all()}
    by_name = {fold_field_name(f.name): f for f in by_code.values()}
    found = {}
    for position, row in enumerate(rows):
        code, name = (row.get("field_code") or "").strip(), " ".join((row.get("field") or "").split())
        if "field_code" not in row and "field" not in row:
            continue
        if len(code) > 40 or len(name) > 255:
            problems.setdefault(position, []).append(("field", _("the field's code or name is too long")))
            continue
        field = by_code.get(code) if code else by_name.get(fold_field_name(name)) if name else None
        if field is None and (code or name):
            if not name:
                problems.setdefault(position, []).append(
                    ("field_code", _("unknown field code %(code)r (give its name too)") % {"code": code})
                )
                continue
            new_code = code or field_code_for(name)
            suffix = 1
            while not code and new_code in by_code:
                suffix += 1
                new_code = f"{field_code_for(name)[:36]}-{suffix}"
            field = by_code[new_code] = Field(code=new_code, name=name)
            by_name[fold_field_name(name)] = field
        found[position] = field
    return found


def procedures_upsert(rows, *, user=None, reason: str = "") -> UpsertResult:
    """Create or update catalogue procedures by code. Each row is a dict with `code`, `name` and, when
    known, `level` (an AuthorityLevel, or "") and its field, by `field_code` and/or `field` (its name;
    a field not in the catalogue yet is added to it); a key left out keeps the stored value. Raises
    RowsRefused, writing nothing, for an empty or too long code or name, an unknown level or an unknown
    field code given without a name."""
    rows = list(rows)
    problems = {}
    levels = set(AuthorityLevel.values) | {""}
    for position, row in enumerate(rows):
        if not row.get("code") or len(row["code"]) > 40:
            problems.setdefault(position, []).append(("code", _("the code is empty or longer than 40 characters")))
        if not row.get("name") or len(row["name"]) > 500:
            problems.setdefault(position, []).append(("name", _("the name is empty or longer than 500 characters")))
        if row.get("level", "") not in levels:
            problems.setdefault(position, []).append(
                ("level", _("unknown authority level %(level)r") % {"level": row["level"]})
            )
    fields_of = _fields_of(rows, problems)
    if problems:
        raise RowsRefused(problems, lambda position: rows[position].get("code"))
    stored = {p.code: p for p in Procedure.objects.filter(code__in=[row["code"] for row in rows])}
    new, changed, result = [], [], UpsertResult()
    with transaction.atomic():
        new_fields = {id(f): f for f in fields_of.values() if f is not None and f.pk is None}
        Field.objects.bulk_create(list(new_fields.values()))
        for position, row in enumerate(rows):
            procedure = stored.get(row["code"])
            values = {f: row[f] for f in ("name", "level") if f in row}
            if position in fields_of:
                values["field_id"] = fields_of[position].pk if fields_of[position] else None
            if procedure is None:
                new.append(Procedure(code=row["code"], **values))
            elif any(getattr(procedure, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(procedure, f, v)
                changed.append(procedure)
            else:
                result.unchanged += 1
        Procedure.objects.bulk_create(new, batch_size=1000)
        Procedure.objects.bulk_update(changed, ["name", "level", "field"], batch_size=1000)
        if changed:
            catalogue_changed.send(Procedure)
    result.created, result.updated = len(new), len(changed)
    return result


def procedures_delete(procedures, *, user=None, reason: str = "") -> int:
    """Delete catalogue procedures (a queryset or a list), returning how many. Raises RowsRefused,
    deleting nothing, for a procedure that rows still point at with `on_delete=PROTECT` (its offerings,
    its figures), found through the model's relations without importing the apps above. `user` and
    `reason` are for the record (procedures have no history table)."""
    procedures = list(procedures)
    if not procedures:
        return 0
    ids = [procedure.pk for procedure in procedures]
    position_of = {pk: position for position, pk in enumerate(ids)}
    problems = {}
    for relation in Procedure._meta.related_objects:
        if relation.on_delete is not models.PROTECT:
            continue
        column = relation.field.attname
        rows = relation.related_model._base_manager.order_by()
        for batch in batched(ids, 5000):
            for procedure_id in rows.filter(**{f"{column}__in": batch}).values_list(column, flat=True).distinct():
                problems.setdefault(position_of[procedure_id], []).append(
                    ("code", _("it still has %(rows)s") % {"rows": relation.related_model._meta.verbose_name_plural})
                )
    if problems:
        raise RowsRefused(problems, lambda position: procedures[position].code)
    with transaction.atomic():
        for batch in batched(ids, 5000):
            Procedure.objects.filter(pk__in=batch).delete()
    return len(procedures)


def offerings_upsert(rows, *, user=None, reason: str) -> UpsertResult:
    """Create offerings, or change their level or responsible department, by their key (unit_id,
    procedure_id, valid_from or None). Each row is a dict with those keys, `service_level` and, when
    known, `department_id` (a unit id, or None for no department); a row without `department_id` keeps
    the stored department (none for a new offering). Raises RowsRefused, writing nothing, for an unknown
    level or a department that procedures.rules refuses; through offerings_write."""
    rows = list(rows)
    problems = {
        position: [("service_level", _("unknown online service level %(level)r") % {"level": row["service_level"]})]
        for position, row in enumerate(rows)
        if row["service_level"] not in ServiceLevel.values
    }
    for position, message in department_refusals((row["unit_id"], row.get("department_id")) for row in rows).items():
        problems.setdefault(position, []).append(("department", message))
    if problems:
        raise RowsRefused(problems)
    stored = {}
    for batch in batched(sorted({row["unit_id"] for row in rows}), 5000):
        for offering in Offering.objects.filter(unit_id__in=batch):
            stored[(offering.unit_id, offering.procedure_id, offering.valid_from)] = offering
    new, changed, result = [], [], UpsertResult()
    for row in rows:
        offering = stored.get((row["unit_id"], row["procedure_id"], row["valid_from"]))
        values = {f: row[f] for f in ("service_level", "department_id") if f in row}
        if offering is None:
            new.append(
                Offering(
                    unit_id=row["unit_id"], procedure_id=row["procedure_id"], valid_from=row["valid_from"], **values
                )
            )
        elif any(getattr(offering, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(offering, f, v)
            changed.append(offering)
        else:
            result.unchanged += 1
    _offerings_write(create=new, update=changed, user=user, reason=reason)
    result.created, result.updated = len(new), len(changed)
    return result


def offerings_write(*, create=(), update=(), delete=(), user=None, reason: str) -> None:
    """Create, update (service level, responsible department) and delete offerings in one transaction,
    each change with a history row (who, `reason`), then send `offerings_changed` with the (unit_id,
    valid_from) of each change: the level in force decides which filings count as filings of procedures
    offered online, so reports recomputes its totals from the first month each change affects. Raises
    RowsRefused, writing nothing, for an offering created or updated with a department that
    procedures.rules refuses (positions: `create`, then `update`).

    `delete` may also be a QuerySet: its offerings are then deleted in set-based statements, with the same
    `-` history rows (the synthetic dataset removes hundreds of thousands at a time)."""
    create, update = list(create), list(update)
    problems = department_refusals((o.unit_id, o.department_id) for o in create + update)
    if problems:
        raise RowsRefused({position: [("department", message)] for position, message in problems.items()})
    _offerings_write(create=create, update=update, delete=delete, user=user, reason=reason)


def _offerings_write(*, create=(), update=(), delete=(), user=None, reason: str) -> None:
    """offerings_write, the rules checked already."""
    delete_set = delete if isinstance(delete, QuerySet) else None
    create, update = list(create), list(update)
    delete = [] if delete_set is not None else list(delete)
    if not (create or update or delete or delete_set is not None):
        return
    with transaction.atomic():
        changes = []
        if delete_set is not None:
            changes += _offerings_delete_set(delete_set, user=user, reason=reason)
        if delete:
            for offering in delete:
                offering._change_reason = reason
                if user is not None:
                    offering._history_user = user
                offering.delete()
        if update:
            bulk_update_with_history(
                update,
                Offering,
                ["service_level", "department"],
                batch_size=1000,
                default_user=user,
                default_change_reason=reason,
            )
        if create:
            bulk_create_with_history(create, Offering, batch_size=1000, default_user=user, default_change_reason=reason)
        changes += [(o.unit_id, o.valid_from) for o in create + update + delete]
        if changes:
            offerings_changed.send(Offering, changes=changes)


def _offerings_delete_set(offerings: QuerySet, *, user, reason) -> list[tuple]:
    """Delete the offerings of a queryset with a `-` history row each, in two statements whatever their
    number; returns the (unit_id, valid_from) pairs they had."""
    pairs = list(offerings.order_by().values_list("unit_id", "valid_from").distinct())
    if not pairs:
        return []
    quote = connection.ops.quote_name
    table = quote(Offering._meta.db_table)
    history_model = Offering.history.model
    own = {f.column for f in Offering._meta.concrete_fields}
    columns = [f.column for f in history_model._meta.concrete_fields if f.name != "history_id"]
    record = {"history_date": "%s", "history_change_reason": "%s", "history_type": "'-'", "history_user_id": "%s"}
    values = ", ".join(quote(c) if c in own else record[c] for c in columns)
    params = [timezone.now(), reason[:100], getattr(user, "pk", None)]
    ids_sql, ids_params = offerings.order_by().values("pk").query.sql_with_params()
    insert = f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the history holds exactly the rows deleted, whatever commits meanwhile.
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE id IN ({ids_sql}) RETURNING *) "
                f"{insert} SELECT {values} FROM gone",
                [*ids_params, *params],
            )
        else:
            # SQLite has one writer at a time: nothing changes the table between the two statements.
            cursor.execute(f"{insert} SELECT {values} FROM {table} WHERE id IN ({ids_sql})", [*params, *ids_params])
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({ids_sql})", ids_params)
    return pairs


def offering_save(offering: Offering, *, user=None, reason: str) -> None:
    """Save one offering, whatever changed in it (unit, procedure, level, date, department; as the admin's
    form does), with its history row, and send `offerings_changed` for the unit it had before and the unit
    it has now. Raises RowsRefused, saving nothing, for a department that procedures.rules refuses."""
    if offering.department_id is not None:
        refused = department_refusals([(offering.unit_id, offering.department_id)])
        if refused:
            raise RowsRefused({0: [("department", refused[0])]})
    before = None
    if offering.pk:
        before = Offering.objects.filter(pk=offering.pk).values_list("unit_id", "valid_from").first()
    with transaction.atomic():
        offering._change_reason = reason
        if user is not None:
            offering._history_user = user
        offering.save()
        pairs = [(offering.unit_id, Offering._meta.get_field("valid_from").to_python(offering.valid_from))]
        if before is not None:
            pairs.append(before)
        offerings_changed.send(Offering, changes=pairs)
