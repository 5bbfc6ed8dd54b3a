"""Plain-text tables for the report commands, numbers formatted for the active language."""

import unicodedata

from django.utils.formats import number_format

RIGHT_ALIGNED = {"rank", "numerator", "denominator", "value", "target", "gap"}


def format_number(value, empty=""):
    if value is None:
        return empty
    return number_format(value, use_l10n=True, force_grouping=True)


def _width(text):
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def format_table(headers, rows):
    widths = [max([_width(h)] + [_width(str(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        out = []
        for header, cell, width in zip(headers, cells, widths):
            pad = " " * (width - _width(str(cell)))
            out.append(pad + str(cell) if header in RIGHT_ALIGNED else str(cell) + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])
