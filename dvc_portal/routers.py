"""The read replica of the dashboards and the API (docs/deploy.md, "A read replica"), in use only when
DATABASE_REPLICA_URL is set: the settings then add the `replica` alias, ReplicaRouter and ReplicaMiddleware.

A query goes to the replica only when all of these hold, and to the primary (`default`) otherwise:

1. it is a read; every write goes to the primary, and so does every read after a write of the portal's data
   in the same request;
2. it runs while a request to a dashboard or API view (REPLICA_VIEWS, REPLICA_NAMESPACES) is handled, with
   GET or HEAD;
3. that browser has not written in the last REPLICA_PIN_SECONDS: a request with another method (POST, PUT,
   PATCH, DELETE), or one that wrote the portal's data through the ORM, sets the PIN_COOKIE that sends the
   browser's next requests to the primary;
4. the replica has replayed the primary's write-ahead log up to where the primary had flushed it when the
   request reached its view, so that every transaction committed before (an edit, an import by the worker or
   the command line) is on the replica; otherwise, or when the replica cannot be reached, the request reads
   the primary (replica_current);
5. the primary's connection is not inside a transaction (an atomic block);
6. the model holds the portal's data (REPLICA_APPS); users, sessions, API tokens, the login throttle, the
   import log and anything else are read from the primary, so that a login, a revoked token or a changed
   password counts at once.

Outside a request (manage.py commands, the job worker, the shell) every query uses the primary. Migrations
run on the primary only. In tests the replica is a TEST MIRROR of default (the same database).
"""

import contextlib
import contextvars
import dataclasses
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

# The apps whose tables a dashboard or the API may read from the replica.
REPLICA_APPS = frozenset({"units", "procedures", "filings", "reports", "scores", "directing"})
# The views that only read, by URL name: the home page, the leaders' pages and the score's page, and the
# whole JSON API (GET only; its views change nothing but a token's last use, in accounts).
REPLICA_VIEWS = frozenset({"home", "reports:ranking", "reports:unit", "reports:procedure", "scores:board"})
REPLICA_NAMESPACES = frozenset({"api"})
READ_METHODS = frozenset({"GET", "HEAD"})

# Sent after a write: until it expires the browser reads from the primary. Its value is the Unix time at which
# it ends, checked here too (a client that keeps cookies longer than asked still reads the primary only so long).
PIN_COOKIE = "dvc_primary"
# How long the replica may take to catch up with the primary before the request reads the primary instead.
CATCH_UP_SECONDS = 0.05
_POLL_SECONDS = 0.01


@dataclasses.dataclass
class Reads:
    """Where the current request reads: `replica` once the middleware allowed it; `wrote` after a write."""

    replica: bool = False
    wrote: bool = False


_reads: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("dvc_portal_reads", default=None)


@contextlib.contextmanager
def request_reads():
    """The scope of one request: what the router decides within it is recorded in the Reads it yields."""
    reads = Reads()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (
            reads is None
            or not reads.replica
            or model._meta.app_label not in REPLICA_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        # A write of the portal's data: this request's later reads, and the browser's next requests, read the
        # primary. Others (a session, an API token's last use) do not change what the replica serves.
        if reads is not None and model._meta.app_label in REPLICA_APPS:
            reads.replica = False
            reads.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the replica may be related to one on the primary.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def replica_current() -> bool:
    """Whether the replica holds every transaction committed on the primary so far (rule 4).

    PostgreSQL streaming replication: the replica's replayed position against the primary's flushed one (with
    synchronous_commit on, PostgreSQL's default, a commit is flushed before anyone sees it). A replica alias
    that is not a standby (the same server, as in CI) holds what the primary holds. False when the replica
    does not catch up within CATCH_UP_SECONDS or cannot be reached."""
    primary, replica = connections[PRIMARY], connections[REPLICA]
    if primary.vendor != "postgresql" or replica.vendor != "postgresql":
        return True
    try:
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            (flushed,) = cursor.fetchone()
        deadline = time.monotonic() + CATCH_UP_SECONDS
        with replica.cursor() as cursor:
            while True:
                cursor.execute("SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [flushed])
                if cursor.fetchone()[0]:
                    return True
                if time.monotonic() >= deadline:
                    logger.info("the replica is behind the primary's %s: reading the primary", flushed)
                    return False
                time.sleep(_POLL_SECONDS)
    except DatabaseError:
        logger.warning("the replica cannot be reached: reading the primary", exc_info=True)
        return False


def _pinned(request) -> bool:
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def _read_only_view(request) -> bool:
    match = request.resolver_match
    return (
        request.method in READ_METHODS
        and match is not None
        and (match.view_name in REPLICA_VIEWS or match.namespace in REPLICA_NAMESPACES)
    )


class ReplicaMiddleware:
    """Decides, when the view is known, whether the request may read from the replica (rules 2 to 4), and pins
    the browser to the primary after a write (rule 3). Installed by the settings with the router."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_reads() as reads:
            response = self.get_response(request)
        if reads.wrote or request.method not in READ_METHODS:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = _reads.get()
        if (
            reads is not None
            and not reads.wrote
            and _read_only_view(request)
            and not _pinned(request)
            # Inside a transaction (ATOMIC_REQUESTS, a test's) every read goes to the primary anyway (rule 5).
            and not connections[PRIMARY].in_atomic_block
            and replica_current()
        ):
            reads.replica = True
