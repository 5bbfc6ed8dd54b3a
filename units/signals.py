"""What the units app tells the apps above it, inside the writing transaction.

`units_changed()` is sent by the bulk writes of the unit tree (units.services: units_upsert,
units_delete, units_rebuild_paths) after they changed units and before their transaction commits. Saving
or deleting one unit (Unit.save, Unit.delete) sends Django's own post_save and post_delete instead.
reports connects to them (reports/apps.py): the results it reuses between requests depend on the tree.
"""

from django.dispatch import Signal

units_changed = Signal()
