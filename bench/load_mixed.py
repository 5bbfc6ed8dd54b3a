"""Benchmark: logins, dashboards, API reads and entry saves mixed, at 50 concurrent users against gunicorn
(issue 13, item 6): no error answers, no lost writes.

    .venv/bin/python bench/load_mixed.py [--users 50] [--seconds 60] [--ramp 10] [--think 1.0] [--workers 3]
                                         [--leaders 0.2] [--database-url postgres://postgres@127.0.0.1:5432/dvc_bench_mixed]

Creates a throw-away PostgreSQL database (test_<name>; dropped at the end unless --keep-database), migrates
it and builds, through the write services, a province of real size: `--districts` districts of
`--communes` communes each, a catalogue of `--procedures` procedures of which each commune offers between
`--offered` (100 to 300 by default, about 80% online), twelve months of figures before this one (the
months past their entry deadline approved), one clerk per commune and a leader per district and two for the
province, all with the same password. Serves the app with gunicorn (`--workers` sync workers, the
production settings: DEBUG off, HTTPS redirect and secure cookies off for plain HTTP on 127.0.0.1, gunicorn's
--timeout 60 as docs/deploy.md) and runs `--users` virtual users for `--seconds` seconds, started one after
another over the first `--ramp` seconds (at most a quarter of the run), each a thread with its own cookies
(stdlib HTTP, gzip accepted as a browser does):

- a session is a login through the login form (its CSRF token, a valid password: django-axes never sees a
  failure), the home page, 5 to 20 actions with a random pause of 0 to 2 x `--think` seconds before each,
  then a logout, and the next session as another user of the same role;
- a clerk (80% of the users; `--leaders` sets the share of leaders), first in each session and then in 40%
  of its actions, opens the entry page of its commune for one of the months open for entry, changes 1 to 5
  of the rows shown to random figures that follow the rules of the form (each checked with filings.rules:
  carried over + received = resolved + pending, postal returns within the resolved, online receipts only
  where the procedure is offered online, new filings in the row's usual range, the Decision 766 counts
  within their ceilings) and saves the draft; or reads its dashboards (home, unit, procedure, ranking
  pages) or the API (kpi, score) with its session;
- a leader reads the ranking of its unit's children, the unit pages of its unit, of a child and of a
  commune below, procedure pages, the home page and the API (ranking, kpi, alerts, score).

Users are drawn at random for each session, so two sessions may hold the same clerk (one person in two
tabs) and save the same month: a save refused as stale (409 with the conflict box) is a legitimate answer,
counted apart; the user reloads the page and saves again (up to three retries). Every other answer than
the one expected (200, or 302 after a login, a save or a logout) is an error, and so is a request that
gets no answer (a 120 s timeout).

At the end, every figure a user saw saved (a 302 after its POST) is compared with the database: for each
unit, procedure and month, the 17 counts of the last accepted save (saves of one unit-month are ordered by
the version they were made from; two accepted from the same version would be a lost update), and each
unit-month's version must have grown by exactly its number of accepted saves, and every save refused as
stale must have been overtaken by one accepted from its version or a later one. Prints, per request type,
the requests, requests per second, p50 / p90 / p99 / max in milliseconds as the users saw them (waiting
for a worker included) and the errors, beside the server's own median time and share of the workers' time
(gunicorn's access log); the answers by status; the conflicts; the lost writes. Exit status 1 on any error
answer or lost write, 0 otherwise; the application's errors from gunicorn's log are then printed (its logs
are kept).

`--users 5 --seconds 5` is a quick check (about a minute, most of it building the data).
"""

import argparse
import gzip
import http.client
import json
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

from common import (
    collectstatic,
    drop_database,
    environment,
    recreate_database,
    serve,
    setup_django,
    stop,
    throwaway_url,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench_mixed"
PASSWORD = "bench-Mixed-Secret-2026"
PROVINCE = "LM"
# The production settings over plain HTTP on 127.0.0.1: no HTTPS redirect, no secure-only cookies; a mail
# server named (production refuses to start without one; nothing here sends mail).
SERVER_SETTINGS = "dvc_portal.settings.production"
SERVER_EXTRA = {
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
}
GUNICORN_TIMEOUT = 60
CLIENT_TIMEOUT = 120
RETRIES = 3
# filings.models.SCORE_FIELDS (checked when the data are built), for the virtual users' threads.
SCORE_FIELDS_LIST = ("synced", "fee_required", "paid_online", "digitised", "e_results", "ratings", "ratings_satisfied")
# The order of the rows shown in the table of results.
KINDS = (
    "login page",
    "login",
    "logout",
    "home",
    "ranking page",
    "unit page",
    "procedure page",
    "entry page",
    "entry save",
    "api kpi",
    "api ranking",
    "api alerts",
    "api score",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="duration of the run (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn's sync workers (default 3)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause before each action, s (default 1)")
    parser.add_argument("--leaders", type=float, default=0.2, help="share of users who are leaders (default 0.2)")
    parser.add_argument("--districts", type=int, default=5, help="districts of the province (default 5)")
    parser.add_argument("--communes", type=int, default=12, help="communes per district (default 12)")
    parser.add_argument("--procedures", type=int, default=300, help="procedures in the catalogue (default 300)")
    parser.add_argument("--offered", default="100,300", help="procedures a commune offers: MIN,MAX (default 100,300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="its test_<name> is the throw-away database")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the throw-away database")
    parser.add_argument(
        "--ramp", type=float, default=10, help="the users start one after another over this many seconds (default 10)"
    )
    args = parser.parse_args()
    low, high = (int(n) for n in args.offered.split(","))
    if not 1 <= low <= high <= args.procedures:
        parser.error("--offered: MIN,MAX with 1 <= MIN <= MAX <= --procedures")
    if args.users < 1 or args.seconds <= 0 or not 0 <= args.leaders <= 1:
        parser.error("--users >= 1, --seconds > 0, 0 <= --leaders <= 1")
    args.offered = (low, high)
    return args


# --- figures ------------------------------------------------------------------------------------------


def make_figures(rng, *, new, online, carried, report_scores):
    """The 17 counts of a row (form 06's ten, then Decision 766's seven or None): `new` filings of which
    `online` online, `carried` over from last month; carried over + received = resolved + pending, postal
    returns within the postal receipts and the resolved, each Decision 766 count within its ceiling."""
    postal = rng.randint(0, (new - online) // 10)
    direct = new - online - postal
    total = carried + new
    pending = rng.randint(0, total // 5)
    resolved = total - pending
    late = rng.randint(0, resolved // 10)
    early = rng.randint(0, resolved - late)
    overdue = rng.randint(0, pending // 3)
    values = {
        "carried_over": carried,
        "received_online": online,
        "received_direct": direct,
        "received_postal": postal,
        "resolved_early": early,
        "resolved_on_time": resolved - late - early,
        "resolved_late": late,
        "pending_on_time": pending - overdue,
        "pending_overdue": overdue,
        "returned_postal": rng.randint(0, min(postal, resolved)),
    }
    if report_scores:
        fee = rng.randint(0, new)
        ratings = rng.randint(0, resolved)
        values.update(
            synced=rng.randint(online, new),
            fee_required=fee,
            paid_online=rng.randint(0, fee),
            digitised=rng.randint(0, new),
            e_results=rng.randint(0, resolved),
            ratings=ratings,
            ratings_satisfied=rng.randint(0, ratings),
        )
    else:
        values.update(dict.fromkeys(SCORE_FIELDS_LIST))
    return values


def check_figures(values, level):
    """The product's own rules (filings.rules) on a generated row: no error, no warning."""
    from filings.rules import balance_warnings, online_receipts_warning, parse_count, score_warnings

    problems = [message for _field, message in balance_warnings(values) + score_warnings(values)]
    for value in values.values():
        if value is not None:
            parse_count(value)
    warning = online_receipts_warning(values["received_online"], level, procedure="-", year=2000, month=1)
    if warning:
        problems.append(warning)
    if problems:
        raise AssertionError(f"generated figures break the rules: {values}: {problems}")
    return values


# --- data ---------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    year: int
    open_months: list  # [(year, month)] open for entry today
    province: str
    districts: list
    communes: dict  # commune code -> district code
    clerks: dict  # username -> commune code
    leaders: dict  # username -> unit code (the province or a district)
    offered: dict  # commune code -> [procedure codes]
    procedures: list  # every procedure code
    unit_ids: dict  # code -> id
    versions: dict  # (unit code, year, month) -> version before the run, for the open months


def build(args, rng):
    """The province, its units, catalogue, offerings, figures and users, through the write services."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import user_upsert
    from core.periods import Month
    from filings.locks import entry_deadline
    from filings.models import FIGURE_FIELDS, SCORE_FIELDS, UnitMonth
    from filings.services import Source, filings_upsert
    from filings.workflow import unit_months_approve_bulk
    from procedures.models import AuthorityLevel, Procedure, ServiceLevel
    from procedures.services import offerings_upsert, procedures_upsert
    from units.models import Unit, UnitKind
    from units.services import units_upsert

    assert tuple(SCORE_FIELDS) == SCORE_FIELDS_LIST
    call_command("migrate", verbosity=0)
    reason = "bench/load_mixed.py"
    today = timezone.localdate()
    this = Month.of(today)
    open_months = [m for m in (this.shift(-1), this) if entry_deadline(m.year, m.month) >= today]
    first = this.shift(-12)

    rows = [{"code": PROVINCE, "name": "Tỉnh Thử Tải", "kind": UnitKind.PROVINCE, "parent_code": None}]
    communes = {}
    districts = []
    for d in range(1, args.districts + 1):
        district = f"{PROVINCE}.{d:02d}"
        districts.append(district)
        rows.append(
            {"code": district, "name": f"Huyện thử tải {d}", "kind": UnitKind.DISTRICT, "parent_code": PROVINCE}
        )
        for c in range(1, args.communes + 1):
            code = f"{district}.{c:03d}"
            communes[code] = district
            rows.append(
                {"code": code, "name": f"Xã thử tải {d}.{c}", "kind": UnitKind.COMMUNE, "parent_code": district}
            )
    units_upsert(rows, reason=reason)
    unit_ids = dict(Unit.objects.filter(code__startswith=PROVINCE).values_list("code", "pk"))

    codes = [f"LM.{k:06d}" for k in range(1, args.procedures + 1)]
    procedures_upsert(
        [
            {
                "code": code,
                "name": f"Thủ tục thử tải số {k} thuộc lĩnh vực hộ tịch, chứng thực, đất đai",
                "field": ("Hộ tịch", "Chứng thực", "Đất đai", "Tư pháp")[k % 4],
                "level": AuthorityLevel.COMMUNE,
            }
            for k, code in enumerate(codes, 1)
        ],
        reason=reason,
    )
    procedure_ids = dict(Procedure.objects.filter(code__in=codes).values_list("code", "pk"))
    popularity = {code: rng.paretovariate(1.2) for code in codes}

    levels = {}
    offered = {}
    for commune in communes:
        chosen = sorted(rng.sample(codes, rng.randint(*args.offered)))
        offered[commune] = chosen
        for code in chosen:
            levels[commune, code] = rng.choices(
                [ServiceLevel.FULL, ServiceLevel.PARTIAL, ServiceLevel.NONE], weights=(45, 35, 20)
            )[0]
    offerings_upsert(
        [
            {"unit_id": unit_ids[c], "procedure_id": procedure_ids[p], "valid_from": None, "service_level": level}
            for (c, p), level in levels.items()
        ],
        reason=reason,
    )

    # Twelve months of figures before this one: past months for 70% of the offered procedures;
    # the month before this one (open until its deadline) for half the communes; this month empty.
    pending = {}
    past = []
    month = first
    total = 0
    while month < this:
        batch = []
        started = month in open_months
        for commune, chosen in offered.items():
            if started and rng.random() < 0.5:
                continue
            propensity = rng.uniform(0.1, 0.7)
            scores = rng.random() < 0.5
            for code in chosen:
                if rng.random() < 0.3:
                    continue
                level = levels[commune, code]
                new = int(rng.expovariate(1 / (8 * popularity[code])))
                online = int(new * propensity) if level != ServiceLevel.NONE else 0
                carried = pending.get((commune, code), 0)
                values = check_figures(
                    make_figures(rng, new=new, online=online, carried=carried, report_scores=scores), level
                )
                pending[commune, code] = values["pending_on_time"] + values["pending_overdue"]
                batch.append(
                    {
                        "unit_id": unit_ids[commune],
                        "procedure_id": procedure_ids[code],
                        "year": month.year,
                        "month": month.month,
                        **values,
                    }
                )
        filings_upsert(batch, fields=FIGURE_FIELDS, source=Source.IMPORT, note=reason)
        total += len(batch)
        if not started:
            past += sorted({(row["unit_id"], row["year"], row["month"]) for row in batch})
        month = month.shift(1)
    unit_months_approve_bulk(past, user=None, source=reason)

    clerks = {f"clerk{i:03d}": commune for i, commune in enumerate(communes, 1)}
    leaders = {"leader.province1": PROVINCE, "leader.province2": PROVINCE}
    leaders.update({f"leader.{district.lower()}": district for district in districts})
    for username, code in clerks.items():
        user_upsert(username=username, role=Role.CLERK, unit_codes=[code])
    for username, code in leaders.items():
        user_upsert(username=username, role=Role.LEADER, unit_codes=[code])
    # One hash for all (the server checks it at every login, at the hasher's full cost).
    User.objects.filter(username__in=[*clerks, *leaders]).update(password=make_password(PASSWORD))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    keys = {(unit_ids[c], m.year, m.month): (c, m.year, m.month) for c in communes for m in open_months}
    versions = dict.fromkeys(keys.values(), 0)
    for unit_id, year, month_number, version in UnitMonth.objects.filter(
        unit__code__startswith=PROVINCE, year__in={m.year for m in open_months}
    ).values_list("unit_id", "year", "month", "version"):
        key = keys.get((unit_id, year, month_number))
        if key:
            versions[key] = version
    print(
        f"built {len(communes)} communes in {len(districts)} districts, {len(codes)} procedures, "
        f"{len(levels)} offerings, {total} monthly filings ({first}..{this.shift(-1)}; {len(past)} unit-months "
        f"approved), {len(clerks)} clerks, {len(leaders)} leaders; open for entry: "
        + ", ".join(str(m) for m in open_months),
        flush=True,
    )
    return Dataset(
        year=this.year,
        open_months=[(m.year, m.month) for m in open_months],
        province=PROVINCE,
        districts=districts,
        communes=communes,
        clerks=clerks,
        leaders=leaders,
        offered=offered,
        procedures=codes,
        unit_ids=unit_ids,
        versions=versions,
    )


# --- the virtual users --------------------------------------------------------------------------------


class Unexpected(Exception):
    """An answer other than the one expected, or none: recorded as an error; the session ends."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # each request is timed on its own: redirects are followed by the user's code


@dataclass
class Answer:
    status: int
    text: str
    location: str | None


@dataclass
class Save:
    unit: str
    year: int
    month: int
    version: int  # the version the page showed, which the save was accepted from
    rows: dict  # procedure id -> {count: int or None}
    user: int
    at: float


@dataclass
class Results:
    times: dict = field(default_factory=lambda: defaultdict(list))  # kind -> [ms]
    statuses: Counter = field(default_factory=Counter)  # (kind, status)
    errors: list = field(default_factory=list)  # (kind, method, path, status, detail)
    saves: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # (unit, year, month, the version the stale save was made from)
    given_up: int = 0
    uncertain: set = field(default_factory=set)  # unit-months of a save whose answer never came
    sessions: int = 0

    def merge(self, other):
        for kind, times in other.times.items():
            self.times[kind] += times
        self.statuses.update(other.statuses)
        self.errors += other.errors
        self.saves += other.saves
        self.conflicts += other.conflicts
        self.given_up += other.given_up
        self.uncertain |= other.uncertain
        self.sessions += other.sessions


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ROW = re.compile(r'<tr data-row="(\d+)"([^>]*)>(.*?)</tr>', re.S)
INPUT = re.compile(r'<input(?: value="([^"]*)")?')
LEVEL = re.compile(r'data-level="(\w*)"')
RANGE = re.compile(r'data-range="(\d+),(\d+)"')


class Client:
    """One browser: its cookies, gzip accepted, redirects left to the caller."""

    def __init__(self, base, results):
        self.base = base
        self.results = results
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def call(self, kind, method, path, *, data=None, expect=(200,)):
        headers = {"Accept-Encoding": "gzip", "User-Agent": "bench/load_mixed.py", "Accept-Language": "vi"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.base,
                    "Referer": self.base + path,
                }
            )
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        started = time.perf_counter()
        try:
            try:
                response = self.opener.open(request, timeout=CLIENT_TIMEOUT)
            except urllib.error.HTTPError as answer:  # 3xx (no redirect handler), 4xx, 5xx
                response = answer
            with response:
                status, raw, answer_headers = response.status, response.read(), response.headers
        except (OSError, http.client.HTTPException) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            self.results.times[kind].append(elapsed)
            status = f"no answer ({type(exc).__name__})"
            self.results.statuses[kind, status] += 1
            self.results.errors.append((kind, method, path, status, str(exc)[:200]))
            raise Unexpected(status) from exc
        elapsed = (time.perf_counter() - started) * 1000
        self.results.times[kind].append(elapsed)
        self.results.statuses[kind, status] += 1
        if answer_headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", "replace")
        answer = Answer(status, text, answer_headers.get("Location"))
        if status not in expect:
            detail = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:300]
            self.results.errors.append((kind, method, path, status, detail))
            raise Unexpected(f"{method} {path}: {status}")
        return answer


@dataclass
class EntryForm:
    token: str
    version: int
    grain: str
    rows: list  # (procedure id, level, (low, high) or None, {count: int or None})


def parse_entry(text):
    """The entry form of a page: its CSRF token, version, grain and editable rows with their values."""
    from filings.models import FIGURE_FIELDS, SCORE_FIELDS

    start = text.find('id="entry-form"')
    if start < 0 or 'data-editable="1"' not in text[start : start + 2000]:
        return None
    form = text[start:]
    token = CSRF_INPUT.search(form)[1]
    version = int(re.search(r'name="version" value="(\d+)"', form)[1])
    grain = re.search(r'name="grain" value="([^"]*)"', form)[1]
    rows = []
    for pid, attributes, cells in ROW.findall(form):
        inputs = INPUT.findall(cells)  # "" for an empty cell
        if len(inputs) != len(FIGURE_FIELDS):
            continue  # not an editable row
        current = {
            name: (int(text_value) if text_value else (None if name in SCORE_FIELDS else 0))
            for name, text_value in zip(FIGURE_FIELDS, inputs)
        }
        level = LEVEL.search(attributes)
        usual = RANGE.search(attributes)
        rows.append((int(pid), level[1] if level else None, (int(usual[1]), int(usual[2])) if usual else None, current))
    return EntryForm(token, version, grain, rows)


class VirtualUser(threading.Thread):
    """One user at a keyboard: sessions of a clerk or a leader until the deadline."""

    def __init__(self, index, role, *, base, data, deadline, think, seed, delay):
        super().__init__(name=f"user-{index}", daemon=True)
        self.index, self.role, self.base, self.data = index, role, base, data
        self.deadline, self.think, self.delay = deadline, think, delay
        self.rng = random.Random(seed * 100_003 + index)
        self.results = Results()

    def run(self):
        time.sleep(self.delay)
        while time.monotonic() < self.deadline:
            try:
                self.session()
            except Unexpected:
                pass  # recorded; a new session, as a user would sign in again
            except Exception:  # a fault of this script, not of the server: reported as an error too
                self.results.errors.append(("script", "", "", "exception", traceback.format_exc()[-800:]))
                time.sleep(1)

    def pause(self):
        """A random pause before the next action; False once the run is over."""
        left = self.deadline - time.monotonic()
        if left > 0:
            time.sleep(min(self.rng.uniform(0, 2 * self.think), left))
        return time.monotonic() < self.deadline

    def session(self):
        accounts = self.data.clerks if self.role == "clerk" else self.data.leaders
        username = self.rng.choice(sorted(accounts))
        unit = accounts[username]
        self.results.sessions += 1
        client = Client(self.base, self.results)
        page = client.call("login page", "GET", "/accounts/login/")
        token = CSRF_INPUT.search(page.text)[1]
        data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": ""}
        signed_in = client.call("login", "POST", "/accounts/login/", data=data, expect=(302,))
        if not signed_in.location or "/accounts/login/" in signed_in.location or not client.cookie("sessionid"):
            self.results.errors.append(("login", "POST", "/accounts/login/", 302, f"to {signed_in.location}"))
            raise Unexpected("login")
        client.call("home", "GET", signed_in.location)
        action = self.clerk_action if self.role == "clerk" else self.leader_action
        for number in range(self.rng.randint(5, 20)):
            if not self.pause():
                return
            if number == 0 and self.role == "clerk":
                self.save(client, unit)  # what a clerk signs in for first
            else:
                action(client, unit)
        if self.pause():
            logout = {"csrfmiddlewaretoken": client.cookie("csrftoken")}
            client.call("logout", "POST", "/accounts/logout/", data=logout, expect=(302,))

    def clerk_action(self, client, unit):
        period = f"period={self.data.year}"
        procedure = self.rng.choice(self.data.offered[unit])
        draw = self.rng.random()
        if draw < 0.4:
            self.save(client, unit)
            return
        if draw < 0.75:
            kind, path = self.rng.choice(
                [
                    ("home", "/"),
                    ("unit page", f"/reports/unit/{unit}/?{period}"),
                    ("procedure page", f"/reports/unit/{unit}/procedure/{procedure}/?{period}"),
                    ("ranking page", f"/reports/ranking/?{period}"),
                ]
            )
        else:
            kind, path = self.rng.choice(
                [("api kpi", f"/api/v1/kpi?unit={unit}&{period}"), ("api score", f"/api/v1/score?unit={unit}&{period}")]
            )
        client.call(kind, "GET", path)

    def leader_action(self, client, unit):
        data = self.data
        period = f"period={data.year}"
        below = [c for c, d in data.communes.items() if unit in (d, data.province)]
        children = data.districts if unit == data.province else below
        child, commune = self.rng.choice(children), self.rng.choice(below)
        procedure = self.rng.choice(data.procedures)
        kpi = self.rng.choice(["online_rate", "online_rate_eligible", "on_time_rate", "score_766"])
        if self.rng.random() < 0.6:
            kind, path = self.rng.choice(
                [
                    ("home", "/"),
                    ("ranking page", f"/reports/ranking/?unit={unit}&{period}"),
                    ("ranking page", f"/reports/ranking/?unit={child if child in data.districts else unit}&{period}"),
                    ("unit page", f"/reports/unit/{unit}/?{period}"),
                    ("unit page", f"/reports/unit/{child}/?{period}"),
                    ("unit page", f"/reports/unit/{commune}/?{period}"),
                    ("procedure page", f"/reports/unit/{unit}/procedure/{procedure}/?{period}"),
                ]
            )
        else:
            kind, path = self.rng.choice(
                [
                    ("api ranking", f"/api/v1/ranking?parent={unit}&kpi={kpi}&{period}"),
                    ("api kpi", f"/api/v1/kpi?unit={child}&{period}"),
                    ("api alerts", f"/api/v1/alerts?parent={unit}&{period}"),
                    ("api score", f"/api/v1/score?unit={unit}&{period}"),
                ]
            )
        client.call(kind, "GET", path)

    def figures(self, level, usual, current):
        """New figures for a row, other than its current ones, that the form's rules accept."""
        low, high = usual or (0, 20)
        for _ in range(100):
            new = self.rng.randint(low, high)
            online = self.rng.randint(0, new) if level in ("full", "partial") else 0
            values = make_figures(
                self.rng, new=new, online=online, carried=self.rng.randint(0, 3), report_scores=self.rng.random() < 0.5
            )
            if values != current:
                return check_figures(values, level or None)
        raise AssertionError(f"no new figures for a row of {current}")

    def save(self, client, unit):
        """Open a month of the unit, change a few rows, save the draft; on a stale save, reload and again."""
        year, month = self.rng.choice(self.data.open_months)
        path = f"/filings/{unit}/{year}-{month:02d}/"
        key = (unit, year, month)
        for _attempt in range(RETRIES + 1):
            form = parse_entry(client.call("entry page", "GET", path).text)
            if form is None or not form.rows:
                self.results.errors.append(("entry page", "GET", path, 200, "no editable rows"))
                raise Unexpected("not editable")
            chosen = self.rng.sample(form.rows, min(len(form.rows), self.rng.randint(1, 5)))
            changes = {pid: self.figures(level, usual, current) for pid, level, usual, current in chosen}
            posted = {
                str(pid): {name: "" if value is None else str(value) for name, value in values.items()}
                for pid, values in changes.items()
            }
            data = {
                "csrfmiddlewaretoken": form.token,
                "version": form.version,
                "changes": json.dumps(posted),
                "grain": form.grain,
                "action": "save",
            }
            try:
                answer = client.call("entry save", "POST", path, data=data, expect=(302, 409))
            except Unexpected:
                self.results.uncertain.add(key)  # no answer, or an error: whether it was written is unknown
                raise
            if answer.status == 302:
                self.results.saves.append(Save(unit, year, month, form.version, changes, self.index, time.monotonic()))
                if answer.location != path:
                    self.results.errors.append(("entry save", "POST", path, 302, f"to {answer.location}"))
                    raise Unexpected("redirect")
                client.call("entry page", "GET", answer.location)
                return
            if 'id="conflict"' not in answer.text:  # a 409 other than a stale save: locked, refused
                detail = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))[:300]
                self.results.errors.append(("entry save", "POST", path, "409 (not a conflict)", detail))
                raise Unexpected("409")
            self.results.conflicts.append((*key, form.version))
        self.results.given_up += 1


def run(args, data, base):
    """The virtual users, started within the first two seconds; (results, seconds)."""
    leaders = round(args.users * args.leaders)
    roles = ["leader"] * leaders + ["clerk"] * (args.users - leaders)
    random.Random(args.seed).shuffle(roles)
    started = time.monotonic()
    deadline = started + args.seconds
    ramp = min(args.ramp, args.seconds / 4)
    users = [
        VirtualUser(
            i,
            role,
            base=base,
            data=data,
            deadline=deadline,
            think=args.think,
            seed=args.seed,
            delay=ramp * i / args.users,
        )
        for i, role in enumerate(roles)
    ]
    for user in users:
        user.start()
    for user in users:
        user.join()
    results = Results()
    for user in users:
        results.merge(user.results)
    return results, time.monotonic() - started


# --- the check and the report -------------------------------------------------------------------------


def verify(data, results):
    """Every figure seen saved against the database: (rows checked, lost rows, other problems)."""
    from filings.models import FIGURE_FIELDS, MonthlyFiling, UnitMonth

    by_key = defaultdict(list)
    for save in results.saves:
        by_key[save.unit, save.year, save.month].append(save)
    checked, lost, problems = 0, [], []
    # A save refused as stale from version v: another save must have been accepted from v or later (only
    # the users write), else the page showed a version that was never current, or the refusal was wrong.
    for unit, year, month, version in results.conflicts:
        accepted = [save.version for save in by_key.get((unit, year, month), [])]
        if (unit, year, month) not in results.uncertain and not any(v >= version for v in accepted):
            problems.append(f"{unit} {year}-{month:02d}: a save from version {version} refused as stale, none accepted")
    for key, saves in sorted(by_key.items()):
        unit, year, month = key
        label = f"{unit} {year}-{month:02d}"
        saves.sort(key=lambda save: (save.version, save.at))
        versions = [save.version for save in saves]
        for version, count in Counter(versions).items():
            if count > 1:
                problems.append(f"{label}: {count} saves accepted from the same version {version} (a lost update)")
        before = data.versions[key]
        now = (
            UnitMonth.objects.filter(unit_id=data.unit_ids[unit], year=year, month=month)
            .values_list("version", flat=True)
            .first()
        ) or 0
        if key not in results.uncertain and versions != list(range(before, before + len(saves))):
            problems.append(
                f"{label}: saves accepted from versions {versions}, the unit-month went from {before} to {now}"
            )
        last = {}
        for save in saves:
            last.update(save.rows)
        stored = {
            row[0]: dict(zip(FIGURE_FIELDS, row[1:]))
            for row in MonthlyFiling.objects.filter(
                unit_id=data.unit_ids[unit], year=year, month=month, procedure_id__in=list(last)
            ).values_list("procedure_id", *FIGURE_FIELDS)
        }
        for pid, values in last.items():
            checked += 1
            got = stored.get(pid)
            if got != values:
                if key in results.uncertain:
                    problems.append(f"{label}, procedure id {pid}: not as last seen saved, after a save with no answer")
                    continue
                differing = "missing" if got is None else {n: (v, got[n]) for n, v in values.items() if got[n] != v}
                lost.append(f"{label}, procedure id {pid}: saved -> stored {differing}")
    return checked, lost, problems


def kind_of(method, path):
    """The request type of a line of gunicorn's access log."""
    if path.startswith("/accounts/login/"):
        return "login" if method == "POST" else "login page"
    if path.startswith("/accounts/logout/"):
        return "logout"
    if path.startswith("/filings/"):
        return "entry save" if method == "POST" else "entry page"
    if path.startswith("/api/v1/"):
        return "api " + path[len("/api/v1/") :].strip("/")
    if path.startswith("/reports/unit/"):
        return "procedure page" if "/procedure/" in path else "unit page"
    return {"/": "home", "/reports/ranking/": "ranking page"}.get(path, path)


def server_times(path):
    """{request type: [the server's milliseconds]} from gunicorn's access log."""
    times = defaultdict(list)
    for line in Path(path).read_text().splitlines():
        method, url, _status, micros = line.split()
        times[kind_of(method, url)].append(int(micros) / 1000)
    return times


def percentile(ordered, p):
    """Nearest rank."""
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]


def report(args, results, seconds, checked, lost, problems, log_path, loads, cpu, server):
    print()
    print(
        f"{args.users} users ({round(args.users * args.leaders)} leaders), {seconds:.1f} s, think {args.think} s "
        f"(0 to {2 * args.think:g} s before each action); gunicorn {args.workers} sync workers, production settings "
        f"(DEBUG off); CPUs {os.cpu_count()}, load average {loads[0]:.1f} before, {loads[1]:.1f} after; the users' "
        f"own CPU time {cpu:.1f} s"
    )
    busy = sum(sum(times) for kind, times in server.items() if kind != "/healthz") or 1
    print("p50 ... max: the users' times (queueing included); server: gunicorn's own time, median and share of all")
    print(
        f"{'request':<15} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'errors':>6} {'server ms':>9} {'share':>6}"
    )
    error_kinds = Counter(kind for kind, *_rest in results.errors)
    everything = []
    for kind in [*KINDS, *sorted(set(results.times) - set(KINDS))]:
        times = sorted(results.times.get(kind, []))
        if not times:
            continue
        everything += times
        own = sorted(server.get(kind, []))
        print(
            f"{kind:<15} {len(times):>8} {len(times) / seconds:>7.1f} {percentile(times, 50):>8.0f} "
            f"{percentile(times, 90):>8.0f} {percentile(times, 99):>8.0f} {times[-1]:>8.0f} {error_kinds[kind]:>6} "
            f"{percentile(own, 50):>9.0f} {sum(own) / busy:>6.0%}"
        )
    everything.sort()
    print(
        f"{'all':<15} {len(everything):>8} {len(everything) / seconds:>7.1f} {percentile(everything, 50):>8.0f} "
        f"{percentile(everything, 90):>8.0f} {percentile(everything, 99):>8.0f} {everything[-1]:>8.0f} "
        f"{len(results.errors):>6}"
    )
    print(
        f"the server's workers were busy {busy / 1000:.1f} s in all ({busy / 1000 / seconds / args.workers:.0%} of "
        f"{args.workers} workers x {seconds:.1f} s)"
    )
    by_status = Counter()
    for (_kind, status), count in results.statuses.items():
        by_status[status] += count
    print(
        "answers by status: " + ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items(), key=str))
    )
    errors_by_status = Counter(status for _kind, _method, _path, status, _detail in results.errors)
    print(
        "errors by status: "
        + (", ".join(f"{status}: {count}" for status, count in sorted(errors_by_status.items(), key=str)) or "none")
    )
    rows = sum(len(save.rows) for save in results.saves)
    months = len({(save.unit, save.year, save.month) for save in results.saves})
    print(
        f"sessions (logins): {results.sessions}; saves accepted: {len(results.saves)} ({rows} rows, {rows * 17} "
        f"figures) in {months} unit-months; stale saves (409, reloaded and saved again): {len(results.conflicts)}; "
        f"given up after {RETRIES} retries: {results.given_up}"
    )
    print(f"lost writes: {len(lost)} of {checked} rows last saved (each row's 17 figures compared)")
    for line in lost[:20]:
        print(f"  LOST {line}")
    for line in problems[:20]:
        print(f"  PROBLEM {line}")
    for kind, method, path, status, detail in results.errors[:15]:
        print(f"  ERROR {kind}: {method} {path} -> {status}: {detail}")
    lines = Path(log_path).read_text(errors="replace").splitlines()
    marks = ("Traceback", "ERROR", "WORKER TIMEOUT", "Internal Server Error")
    server_errors = [number for number, line in enumerate(lines) if any(mark in line for mark in marks)]
    if server_errors or results.errors:
        print(f"gunicorn's log, kept: {log_path} ({len(server_errors)} lines of errors); from the first:")
        print("\n".join(lines[server_errors[0] : server_errors[0] + 60] if server_errors else lines[-20:]))
    failed = bool(results.errors or lost or problems or server_errors)
    print("FAILED: error answers or lost writes" if failed else "passed: no error answer, no lost write")
    return failed, bool(server_errors or results.errors)


def main():
    args = parse_args()
    url = throwaway_url(args.database_url)
    name = urlsplit(url).path.lstrip("/")
    recreate_database(url)
    setup_django(url)
    rng = random.Random(args.seed)
    built = time.perf_counter()
    print(f"building the province in {name} ...", flush=True)
    data = build(args, rng)
    print(f"built in {time.perf_counter() - built:.1f} s", flush=True)
    from django.db import connections

    connections.close_all()
    env = environment(url, secrets.token_urlsafe(40), settings=SERVER_SETTINGS, **SERVER_EXTRA)
    collectstatic(env)
    log = tempfile.NamedTemporaryFile("w", prefix="load_mixed-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    access = tempfile.NamedTemporaryFile("w", prefix="load_mixed-access-", suffix=".log", delete=False)  # noqa: SIM115
    access.close()
    keep_log = True
    try:
        # The server's own time of each request (microseconds), for where the time goes.
        options = ["--access-logfile", access.name, "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
        server, base = serve(env, workers=args.workers, timeout=GUNICORN_TIMEOUT, log=log, options=options)
        try:
            print(f"{args.users} users for {args.seconds:g} s against {base} ...", flush=True)
            before, cpu = os.getloadavg()[0], time.process_time()
            results, seconds = run(args, data, base)
            after, cpu = os.getloadavg()[0], time.process_time() - cpu
        finally:
            stop(server)
            log.close()
        checked, lost, problems = verify(data, results)
        failed, keep_log = report(
            args, results, seconds, checked, lost, problems, log.name, (before, after), cpu, server_times(access.name)
        )
        if keep_log:
            print(f"gunicorn's access log, kept: {access.name}")
    finally:
        if not keep_log:
            Path(log.name).unlink(missing_ok=True)
            Path(access.name).unlink(missing_ok=True)
        connections.close_all()
        if not args.keep_database:
            drop_database(url)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
