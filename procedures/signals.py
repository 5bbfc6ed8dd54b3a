"""What the procedures app tells the apps above it, inside the writing transaction.

`offerings_changed(changes=[(unit_id, valid_from or None), ...])` is sent by every write of offerings
(procedures.services), after the write and before its transaction commits: a receiver's own writes
commit or roll back with it. reports connects the KPI totals to it (reports/apps.py), so that the totals
follow the level in force without procedures importing reports. Not a model signal: bulk writes send it
too.
"""

from django.dispatch import Signal

offerings_changed = Signal()
