"""Writes of offerings: with their history, and with the KPI totals they change brought up to date."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports.services import totals_refresh_after_offerings

from .models import Offering


def offerings_write(*, create=(), update=(), delete=(), user=None, reason: str) -> None:
    """Create, update (service level) and delete offerings in one transaction, each change with a history
    row (who, `reason`), then recompute the unit-month totals from the first month each change affects:
    the level in force decides which filings count as filings of procedures offered online."""
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
        totals_refresh_after_offerings((o.unit_id, o.valid_from) for o in create + update + delete)


def offering_save(offering: Offering, *, user=None, reason: str) -> None:
    """Save one offering, whatever changed in it (unit, procedure, level, date; as the admin's form does),
    with its history row, and recompute the totals from the first month the change affects, for the unit
    it had before and the unit it has now."""
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
        totals_refresh_after_offerings(pairs)
