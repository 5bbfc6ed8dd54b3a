"""The blank file of each kind that the import page offers: Vietnamese headers (required ones marked *),
an example row, and lists to pick levels and kinds from; a kind whose files have a layout of their own (an
official form) gives its own blank file."""

from django.utils.translation import gettext as _

from core import xlsx

from .registry import get_importer


def template_workbook(kind):
    """A blank file to fill in: Vietnamese headers (required ones marked *), an example row and lists to
    pick levels and kinds from; or the importer's own (its `template_workbook()`, such as report form 06 in
    its official layout)."""
    importer = get_importer(kind)
    if importer.template_workbook is not None:
        return importer.template_workbook()
    columns = [c for c in importer.columns if c.key not in importer.template_skip]
    workbook = xlsx.new_workbook()
    xlsx.add_table(
        workbook,
        sheet_title=kind,
        titles=[
            _("Import template: %(kind)s") % {"kind": kind},
            " ".join(
                [
                    _("Replace the example row; the header may stay where it is. Required columns are marked *."),
                    *(str(note) for note in importer.template_notes),
                ]
            ),
        ],
        columns=[
            xlsx.Col(
                c.label + (" *" if c.required else ""),
                xlsx.TEXT,
                max(len(c.label) + 4, 14),
                tuple(importer.choices.get(c.key, ())),
            )
            for c in columns
        ],
        rows=[[importer.example.get(c.key, "") for c in columns]],
    )
    return workbook
