"""The rows of the entry grid (templates/filings/entry.html), written in Python rather than in template
loops: a centre's month has hundreds of rows of ten cells, and the markup is kept to what the page needs
(static/js/entry.js adds each input's accessible name and keyboard hints when the page loads), so that a
month of 300 rows stays well under 300 KB and renders in milliseconds (docs/performance.md). A row has the
ten counts of form 06 and the seven of Decision 766 (SCORE_FIELDS), in that order."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.templatetags.portal import count
from filings.grid import NEW, PENDING, RESOLVED
from filings.models import FIGURE_FIELDS, SCORE_FIELDS

register = template.Library()

# The computed column that follows each group's last count.
_TOTAL_AFTER = {
    NEW[-1]: ("new", "new_total"),
    RESOLVED[-1]: ("resolved", "resolved_total"),
    PENDING[-1]: ("pending", "pending_total"),
}


def _level_labels():
    return {"full": _("full online"), "partial": _("partly online"), "none": _("not online"), "": _("not offered")}


def _row(row, editable, labels):
    pid = row.item.pk
    level = row.service_level or ""
    # A field has no online level: no data-level, so that entry.js does not check online receipts.
    attrs = [f'data-row="{pid}"'] if row.per_field else [f'data-row="{pid}"', f'data-level="{level}"']
    if row.new_range:
        attrs.append(f'data-range="{row.new_range[0]},{row.new_range[1]}"')
    if row.unsaved:
        attrs.append("data-unsaved")
    classes = [c for c, on in (("has-errors", row.errors), ("is-flagged", row.flags)) if on]
    if classes:
        attrs.append(f'class="{" ".join(classes)}"')
    badge = "" if row.per_field else f'<span class="lv lv-{level or "extra"}">{escape(labels[level])}</span>'
    parts = [
        f'<tr {" ".join(attrs)}><th scope="row" id="p{pid}"><span class="pc">{escape(row.item.code)}</span> '
        f'{badge}<span class="pn">{escape(row.item.name)}</span></th>'
    ]
    # Form 06's ten counts, then the seven of Decision 766 (hidden until the clerk shows them: entry.css
    # finds them by position, so that a row carries no class for them); an empty one is not reported.
    for index, name in enumerate(FIGURE_FIELDS):
        value = row.values.get(name, "")
        if value is None:
            value = ""
        if not editable:
            parts.append(f'<td class="num">{count(value) if value != "" else ""}</td>')
        elif name in row.errors:
            parts.append(
                f'<td class="has-error"><input value="{escape(value)}" aria-invalid="true" '
                f'aria-describedby="e{pid}-{index}"><span class="cell__error" id="e{pid}-{index}">'
                f"{escape(row.errors[name])}</span></td>"
            )
        else:
            # An empty cell without a value attribute: most cells of a month are empty.
            parts.append(f'<td><input value="{escape(value)}"></td>' if value != "" else "<td><input></td>")
        if name in _TOTAL_AFTER:
            key, attribute = _TOTAL_AFTER[name]
            parts.append(f'<td class="t" data-total="{key}">{count(getattr(row, attribute))}</td>')
    mark = (
        '<span class="balance balance--ok">✓</span>' if row.balanced else '<span class="balance balance--off">≠</span>'
    )
    # The balance has its own mark; the other warnings get a ⚠ that tells them on hover.
    flags = "; ".join(flag.message for flag in row.flags if flag.kind != "balance")
    if flags:
        mark += f'<span class="flag" title="{escape(flags)}">⚠</span>'
    parts.append(f'<td class="b" data-balance>{mark}</td></tr>')
    return "".join(parts)


@register.simple_tag
def grid_rows(rows, editable):
    """The <tr> of each GridRow: inputs when `editable`, else the figures."""
    labels = _level_labels()
    return mark_safe("".join(_row(row, editable, labels) for row in rows))


@register.simple_tag
def score_totals(totals):
    """The footer's cells of the Decision 766 counts: the sums of the rows that report them, "—" when none
    does."""
    return mark_safe("".join(f'<td class="num" data-sum="{name}">{count(totals[name])}</td>' for name in SCORE_FIELDS))
