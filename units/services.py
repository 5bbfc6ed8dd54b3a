"""Writes to the unit tree."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Unit, path_segment


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
    Unit.objects.bulk_update(changed, ["path"], batch_size=1000)
    return len(changed)
