"""Results reused between requests, for exactly as long as the data they were computed from stay the same.

Sums of figures, API answers and the figures of the pages are stored in Django's `default` cache (each
process's local memory unless CACHE_URL says otherwise: dvc_portal/settings/base.py) under a key made of
what they were asked with and of the *versions* of the data they read, read from the database just before
they are computed:

- the sum of the counters (reports.models.UnitVersion) of the units under one path: the subtree that the
  result reads. Every write of a unit's figures (and so of its unit-month totals), offerings, unit-month
  statuses or targets raises the unit's counter in its own transaction (reports.services.versions_bump,
  called by the totals' refresh and the signal receivers of reports/apps.py), so the sum grows with each
  committed write under the path;
- the shared token (reports.models.SharedVersion), drawn again when the unit tree or the catalogue changes,
  and by `manage.py rebuild_totals`.

A write that commits after a request read the versions makes a new key for every later request: an edit
or an import is visible in the very next request. A result computed from newer data than its key says
(a write committed between the read of the versions and the computation) is merely fresh. Nothing is
reused inside a transaction (an atomic block): its own uncommitted writes raise counters that no other
request sees, and that a rollback takes back. Without the shared token (a database emptied by a test's
flush) nothing is reused either.

The versions and the data are read from the same database (the router's choice for reads of the reports
app): with a read replica, both come from the replica, consistently. A restore from a backup brings older
counters back: run `manage.py rebuild_totals` afterwards (it draws a new token), as after any restore.

Several processes or machines may share a cache (Redis or Memcached through CACHE_URL): the keys are the
same everywhere, since they come from the database; with the default, each process fills its own.
`REPORTS_REUSE=0` turns reuse off (every request computes its results, as `bench/load.py` does to measure
the plain computation).
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router
from django.utils import timezone, translation

from core.rows import fetch_row
from units.models import PATH_STEP
from units.selectors import subtree_params, subtree_sql, unit_in_scope_with

from .models import SharedVersion, UnitVersion

# Entries go after a day (those of older versions are never asked for again; the cache's own limit of
# entries drops the least used before that).
KEEP_SECONDS = 24 * 3600


def common_path(units) -> str:
    """The longest path that every unit's path starts with, cut to whole segments: the subtree whose
    versions cover them all ("" for units of several top-level units: everything)."""
    paths = [unit.path for unit in units]
    if not paths:
        return ""
    shortest, longest = min(paths), max(paths)
    length = 0
    while length < len(shortest) and shortest[length] == longest[length]:
        length += 1
    return shortest[: length - length % PATH_STEP]


def root_path(unit) -> str:
    """The path of the top-level unit above `unit` (its province): what a page that also shows units
    beside the unit (its departments) reads."""
    return unit.path[:PATH_STEP]


def enabled() -> bool:
    return settings.REPORTS_REUSE


def _versions_columns(alias, where=""):
    """The two columns of the versions: the shared token and the sum of the counters (`v`) that `where`
    keeps. The counters' own copy of the paths is read: no row of the units."""
    quote = connections[alias].ops.quote_name
    version, shared = quote(UnitVersion._meta.db_table), quote(SharedVersion._meta.db_table)
    return (
        f"(SELECT token FROM {shared} WHERE id = 1), "
        f"(SELECT COALESCE(SUM(v.version), 0) FROM {version} v{' WHERE ' if where else ''}{where})"
    )


@functools.cache
def _versions_sql(alias, under_path):
    path = f"v.{connections[alias].ops.quote_name('path')}"
    return "SELECT " + _versions_columns(alias, subtree_sql(alias, path) if under_path else "")


def _versions(alias, path):
    """(shared token or None, sum of the unit counters under `path`) in one query."""
    return fetch_row(alias, _versions_sql(alias, bool(path)), subtree_params(path) if path else [])


@functools.cache
def _subtree_versions_sql(alias):
    """_versions' columns for the subtree of the unit `u` of another query (its path a column, not a
    parameter)."""
    quote = connections[alias].ops.quote_name
    return _versions_columns(alias, subtree_sql(alias, f"v.{quote('path')}", of=f"u.{quote('path')}"))


def unit_in_scope_with_versions(user, code):
    """(the unit with `code` in the user's scope or None, the versions of its subtree for reuse(), or None
    when results are not reused here) in one query (units.selectors.unit_in_scope_with): what the API reads
    before a reused answer of one unit."""
    if not possible():
        return unit_in_scope_with(user, code)[0], None
    alias = router.db_for_read(UnitVersion)
    unit, versions = unit_in_scope_with(user, code, _subtree_versions_sql(alias), using=alias)
    return unit, versions or None


class Reuse:
    """The cache entries of one result: `get(name)` and `set(name, value)` for its parts (a page has
    several fragments), under a key from `kind`, `parts` (what the result was asked with: hashable
    values) and the versions of the units under `path`."""

    def __init__(self, key):
        self.key = key
        self.cache = caches["default"]

    def get(self, name=""):
        return self.cache.get(f"{self.key}:{name}")

    def set(self, name, value):
        self.cache.set(f"{self.key}:{name}", value, KEEP_SECONDS)


def possible() -> bool:
    """Whether results may be reused here: turned on, and not inside a transaction."""
    if not enabled():
        return False
    alias = router.db_for_read(UnitVersion)
    return not (connections[alias].in_atomic_block or connections["default"].in_atomic_block)


def reuse(kind: str, parts, path, versions=None) -> Reuse | None:
    """The reusable entries of a result that reads the units under `path` (or path(), called only when
    results are reused), or None when results are not reused here (turned off, inside a transaction, no
    shared token). One query, none when the `versions` of the units under `path` were read already
    (unit_in_scope_with_versions)."""
    if not possible():
        return None
    path = path() if callable(path) else path
    token, counters = versions or _versions(router.db_for_read(UnitVersion), path)
    if token is None:
        return None
    digest = hashlib.sha256(repr((kind, parts, path, token, int(counters))).encode()).hexdigest()
    return Reuse(f"reports:{kind}:{digest}")


def reused(kind: str, parts, path, compute, *, keep=None, versions=None):
    """compute()'s value, or the one stored for the same `kind`, `parts` and versions of the units under
    `path` (see reuse()); with `keep`, a value is stored only when keep(value) is true (not the month by
    month sums of thousands of units: the page that shows them is reused whole)."""
    entry = reuse(kind, parts, path, versions)
    if entry is None:
        return compute()
    value = entry.get()
    if value is None:
        value = compute()
        if keep is None or keep(value):
            entry.set("", value)
    return value


def scope_of(user) -> tuple[tuple, str]:
    """What a user's scope is made of, for the keys of results that depend on it, and the path under which
    it lies: every unit and "" for an administrator, else the units assigned and their common path. One
    query (none for an administrator), remembered on the user object for the request."""
    if user.is_portal_admin:
        return ("all",), ""
    found = getattr(user, "_reports_scope", None)
    if found is None:
        units = list(user.units.order_by("pk").only("path"))
        found = user._reports_scope = (tuple(unit.pk for unit in units), common_path(units))
    return found


class Fragments:
    """The figures of a page, rendered once for each key and reused: the view gives the cheap, live part of
    its context (parameters, the unit, other apps' panels) and `build`, which computes the rest; each
    `{% reuse fragments "name" %}...{% endreuse %}` block of the template (reports.templatetags.reuse) is
    stored whole, and `build` runs only when one of them is missing. With `entry` None (reuse off), the
    view puts `context` into the template's context and the blocks render as if they were not there."""

    def __init__(self, entry: Reuse | None, build):
        self.entry = entry
        self._build = build
        self._context = None

    @property
    def context(self) -> dict:
        if self._context is None:
            self._context = self._build()
        return self._context

    def fragment(self, name, render):
        """The stored HTML of the block `name`, else render(context) stored."""
        html = self.entry.get(name)
        if html is None:
            html = render(self.context)
            self.entry.set(name, html)
        return html

    def value(self, name, compute):
        """A small value the view needs besides the HTML (the status of the answer), computed from the
        context and stored like a fragment."""
        if self.entry is None:
            return compute(self.context)
        found = self.entry.get(name)
        if found is None:
            found = (compute(self.context),)
            self.entry.set(name, found)
        return found[0]


def page_fragments(request, kind: str, path: str, build, *, reusable=True, parts=()) -> Fragments:
    """The Fragments of a page for this request: keyed by the page, its full address (every parameter),
    the language, the user's scope, today's date (default periods, projections, trends) and the versions
    of the units under `path` (or path()); `reusable=False` (a page showing what another app computes) never reuses."""
    entry = None
    if reusable and possible():
        key = (request.get_full_path(), translation.get_language(), scope_of(request.user)[0], timezone.localdate())
        entry = reuse(f"page.{kind}", (*key, *parts), path)
    return Fragments(entry, build)
