"""Sections that the apps after reports add to its pages, since reports must not import them (the score
on the unit page, the open tasks on the unit page and the home page). Each app registers its callables in
its AppConfig.ready(); each callable returns (template name, context) or None, and runs a fixed number of
queries.

- "unit": panel(request, unit, period, approved_only), on the unit page (reports.dashboards.unit_page);
- "home": panel(request, period, approved_only), on the home page (reports.views.home).

A panel registered `reusable` shows only what the versions of reports.reuse follow (the figures of reports,
and data of its own app whose every change renews reports' shared version, as the scores app does for its
versions, or raises the counters of the units it concerns, as directing.versions does): it is rendered with
the page's figures and reused with them. The others run on every request.
"""

PANELS = {"unit": [], "home": []}
REUSABLE = set()


def register_panel(page, panel, *, reusable=False):
    if panel not in PANELS[page]:
        PANELS[page].append(panel)
    if reusable:
        REUSABLE.add(panel)


def panels_for(page, request, *args, reusable=None):
    """The (template, context) of each section of `page` that has something to show: all of them, or with
    `reusable` True or False only those registered so or not."""
    chosen = [panel for panel in PANELS[page] if reusable is None or (panel in REUSABLE) == reusable]
    shown = (panel(request, *args) for panel in chosen)
    return [panel for panel in shown if panel]
