"""Writes of the procedures app: the catalogue (`procedures_upsert`) and offerings (`offerings_upsert`,
`offerings_write`, `offering_save`), the one write path of each, which the import, the admin, the demo
and the synthetic dataset call. Offerings are written with their history, and the higher apps whose
derived figures depend on the level in force (reports' KPI totals) hear of every change through the
`offerings_changed` signal, inside the same transaction."""

from dataclasses import dataclass
from itertools import batched

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import RowsRefused

from .models import AuthorityLevel, Offering, Procedure, ServiceLevel
from .signals import offerings_changed


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def procedures_upsert(rows, *, user=None, reason: str = "") -> UpsertResult:
    """Create or update catalogue procedures by code. Each row is a dict with `code`, `name` and, when
    known, `field` and `level` (an AuthorityLevel, or ""); a key left out keeps the stored value. Raises
    RowsRefused, writing nothing, for an empty or too long code or name or an unknown level."""
    rows = list(rows)
    problems = {}
    levels = set(AuthorityLevel.values) | {""}
    for position, row in enumerate(rows):
        if not row.get("code") or len(row["code"]) > 40:
            problems.setdefault(position, []).append(("code", _("the code is empty or longer than 40 characters")))
        if not row.get("name") or len(row["name"]) > 500:
            problems.setdefault(position, []).append(("name", _("the name is empty or longer than 500 characters")))
        if len(row.get("field") or "") > 255:
            problems.setdefault(position, []).append(("field", _("the field is longer than 255 characters")))
        if row.get("level", "") not in levels:
            problems.setdefault(position, []).append(("level", _("unknown authority level %(level)r")
                                                      % {"level": row["level"]}))
    if problems:
        raise RowsRefused(problems, lambda position: rows[position].get("code"))
    stored = {p.code: p for p in Procedure.objects.filter(code__in=[row["code"] for row in rows])}
    new, changed, result = [], [], UpsertResult()
    fields = ("name", "field", "level")
    for row in rows:
        procedure = stored.get(row["code"])
        values = {f: row[f] for f in fields if f in row}
        if procedure is None:
            new.append(Procedure(code=row["code"], **values))
        elif any(getattr(procedure, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(procedure, f, v)
            changed.append(procedure)
        else:
            result.unchanged += 1
    with transaction.atomic():
        Procedure.objects.bulk_create(new, batch_size=1000)
        Procedure.objects.bulk_update(changed, list(fields), batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    return result


def offerings_upsert(rows, *, user=None, reason: str) -> UpsertResult:
    """Create offerings, or change their level, by their key (unit_id, procedure_id, valid_from or None).
    Each row is a dict with those keys and `service_level`; through offerings_write."""
    rows = list(rows)
    problems = {position: [("service_level", _("unknown online service level %(level)r")
                            % {"level": row["service_level"]})]
                for position, row in enumerate(rows) if row["service_level"] not in ServiceLevel.values}
    if problems:
        raise RowsRefused(problems)
    stored = {}
    for batch in batched(sorted({row["unit_id"] for row in rows}), 5000):
        for offering in Offering.objects.filter(unit_id__in=batch):
            stored[(offering.unit_id, offering.procedure_id, offering.valid_from)] = offering
    new, changed, result = [], [], UpsertResult()
    for row in rows:
        offering = stored.get((row["unit_id"], row["procedure_id"], row["valid_from"]))
        if offering is None:
            new.append(Offering(unit_id=row["unit_id"], procedure_id=row["procedure_id"],
                                service_level=row["service_level"], valid_from=row["valid_from"]))
        elif offering.service_level != row["service_level"]:
            offering.service_level = row["service_level"]
            changed.append(offering)
        else:
            result.unchanged += 1
    offerings_write(create=new, update=changed, user=user, reason=reason)
    result.created, result.updated = len(new), len(changed)
    return result


def offerings_write(*, create=(), update=(), delete=(), user=None, reason: str) -> None:
    """Create, update (service level) and delete offerings in one transaction, each change with a history
    row (who, `reason`), then send `offerings_changed` with the (unit_id, valid_from) of each change: the
    level in force decides which filings count as filings of procedures offered online, so reports
    recomputes its totals from the first month each change affects."""
    create, update, delete = list(create), list(update), list(delete)
    if not (create or update or delete):
        return
    with transaction.atomic():
        if delete:
            for offering in delete:
                offering._change_reason = reason
                if user is not None:
                    offering._history_user = user
                offering.delete()
        if update:
            bulk_update_with_history(update, Offering, ["service_level"], batch_size=1000, default_user=user,
                                     default_change_reason=reason)
        if create:
            bulk_create_with_history(create, Offering, batch_size=1000, default_user=user,
                                     default_change_reason=reason)
        offerings_changed.send(Offering, changes=[(o.unit_id, o.valid_from) for o in create + update + delete])


def offering_save(offering: Offering, *, user=None, reason: str) -> None:
    """Save one offering, whatever changed in it (unit, procedure, level, date; as the admin's form does),
    with its history row, and send `offerings_changed` for the unit it had before and the unit it has
    now."""
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
