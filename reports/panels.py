"""Sections that the apps after reports add to its pages, since reports must not import them (the score
on the unit page, the open tasks on the unit page and the home page). Each app registers its callables in
its AppConfig.ready(); each callable returns (template name, context) or None, and runs a fixed number of
queries.

- "unit": panel(request, unit, period, approved_only), on the unit page (reports.dashboards.unit_page);
- "home": panel(request, period, approved_only), on the home page (reports.views.home).
"""

PANELS = {"unit": [], "home": []}


def register_panel(page, panel):
    if panel not in PANELS[page]:
        PANELS[page].append(panel)


def panels_for(page, request, *args):
    """The (template, context) of each section of `page` that has something to show."""
    shown = (panel(request, *args) for panel in PANELS[page])
    return [panel for panel in shown if panel]
