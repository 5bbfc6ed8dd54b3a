"""What the filings app tells the apps above it, inside the writing transaction.

`figures_written(unit_months=[{"unit_id", "year", "month"}, ...])` is sent by filings_upsert and
filings_delete after they wrote and before their transaction commits, with the unit-months whose figures
changed: a receiver's own writes commit or roll back with the figures. reports connects its unit-month
KPI totals to it (reports/apps.py), so the dashboards show new figures at once without filings importing
reports. Not a model signal: the bulk writes send it too.

`statuses_changed(unit_months=[{"unit_id", "year", "month"}, ...])` is sent by the workflow's transitions
(filings.workflow) after they changed the status of those unit-months, in their transaction: reports
reuses results between requests (reports.reuse) and must know when the approved months change.
"""

from django.dispatch import Signal

figures_written = Signal()
statuses_changed = Signal()
