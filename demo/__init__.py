"""The demo data of `manage.py seed_demo` and the synthetic national data of `manage.py generate_dataset`.

The demo is planned, then written. The plan is pure (no database reads, no random generator) and built
from the demo's data:
- arithmetic.py: stable integers from keys, whole-number splits over weights
- specs.py: the plain specs a plan is made of (units, procedures, offerings, figures per procedure and per
  field, reporting modes, targets, statuses)
- catalogue.py: the procedures, real and generated
- tree.py: the units, before and after the 2025 reform
- field_figures.py: the field figures of DOMAIN.md as blocks of new filings, and the targets
- offering_plan.py, filing_plan.py, status_plan.py: offerings, monthly filings (from 2025 with the counts
  of Decision 766, some of them not reported by some units) and statuses planned
- reporting_plan.py: the few wards that report per field (form 06) rather than per procedure, from which
  month, and their figures per field (their procedures' planned figures summed by field)
- plan.py: `build_plan(today)`, the whole demo on a day
The writing, only through the write services of the apps below:
- seeding.py: `seed_demo()`
- dataset.py: `dataset_generate()`, generate_dataset's synthetic data
"""
