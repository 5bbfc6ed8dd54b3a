"""What the procedures app tells the apps above it, inside the writing transaction.

`offerings_changed(changes=[(unit_id, valid_from or None), ...])` is sent by every write of offerings
(procedures.services), after the write and before its transaction commits: a receiver's own writes
commit or roll back with it. reports connects the KPI totals to it (reports/apps.py), so that the totals
follow the level in force without procedures importing reports. Not a model signal: bulk writes send it
too.

`catalogue_changed()` is sent by fields_upsert and procedures_upsert when they renamed a field or changed a
procedure (name, level, field), in their transaction; saving one Procedure or Field sends Django's
post_save instead. reports connects to them: the pages it reuses between requests name procedures and
fields.
"""

from django.dispatch import Signal

offerings_changed = Signal()
catalogue_changed = Signal()
