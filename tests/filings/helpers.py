"""Posting the entry page as static/js/entry.js does: the changed rows as one JSON field."""

import json

from django.urls import reverse


def entry_url(unit, year, month, name="entry"):
    return reverse(f"filings:{name}", kwargs={"code": unit.code, "year": year, "month": month})


def post_entry(client, unit, year, month, changes, *, version=0, action="save", confirm=False, **extra):
    """`changes`: {procedure: {count: text}}, the rows the user changed (the others are not sent)."""
    data = {
        "version": str(version),
        "action": action,
        "changes": json.dumps({str(procedure.pk): cells for procedure, cells in changes.items()}),
        **extra,
    }
    if confirm:
        data["confirm_warnings"] = "1"
    return client.post(entry_url(unit, year, month), data)
