"""The rules of an offering that every writer shares: the write services (`offerings_upsert`,
`offerings_write`, `offering_save`, hence the import, the admin, the demo) and the admin's form
(`Offering.clean`) all ask `department_refusals`, so the same rule gives the same message everywhere."""

from itertools import batched

from django.utils.translation import gettext as _

from units.models import Unit, UnitKind


def department_refusals(pairs) -> dict[int, str]:
    """{position: reason} of the (unit_id, department_id) pairs whose department cannot be responsible
    for the unit's offering: the responsible department must be a unit of kind department under the same
    parent as the offering's unit (the district or province a centre serves, whose departments are its
    siblings). Pairs without a department (None) are fine. One query per 5,000 units."""
    pairs = list(pairs)
    ids = {pk for pair in pairs if pair[1] is not None for pk in pair if pk is not None}
    if not ids:
        return {}
    units = {}
    for batch in batched(sorted(ids), 5000):
        for pk, code, kind, parent_id, parent_code in (
            Unit.objects.filter(pk__in=batch).order_by().values_list("pk", "code", "kind", "parent_id", "parent__code")
        ):
            units[pk] = (code, kind, parent_id, parent_code)
    problems = {}
    for position, (unit_id, department_id) in enumerate(pairs):
        if department_id is None or unit_id is None or unit_id not in units or department_id not in units:
            continue
        code, _kind, parent_id, parent_code = units[unit_id]
        department_code, department_kind, department_parent, _parent_code = units[department_id]
        names = {"department": department_code, "unit": code, "parent": parent_code}
        if department_kind != UnitKind.DEPARTMENT:
            problems[position] = (
                _(
                    "%(department)s is not a department: only a department can be responsible for an offering of "
                    "%(unit)s"
                )
                % names
            )
        elif parent_id is None:
            problems[position] = (
                _("%(unit)s has no unit above it, so no department can be responsible for its offerings") % names
            )
        elif department_parent != parent_id:
            problems[position] = (
                _(
                    "department %(department)s is not under %(parent)s, the unit above %(unit)s: only a department "
                    "of the same district or province can be responsible for its offerings"
                )
                % names
            )
    return problems
