"""The access-control matrix of tests/dvc_portal/test_access_matrix.py: its small world (a province with
two districts, each with a commune, and what the URLs need), its users and relations, and for every URL
of the project how to ask it about a unit at each relation and what each kind of user must get.

Relations, seen from the users of the own district (D.DONG1):
- own: the own district or its commune (or an object of theirs: a directive, an inspection ...);
- above: the province above it (an object of the province's own);
- sibling: the other district or its commune (an object of theirs).
A URL that names no unit is asked once, relation "-".

Users: anonymous, the clerk and the leader of the own district, and a portal administrator (who sees
every unit). The answers follow docs/security.md and docs/api.md: outside the scope 404, a role that
may not act 403, anonymous users the login page (the JSON API: 401), and a refusal names no unit.
"""

import datetime
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.periods import Month

# --- the world ----------------------------------------------------------------------------------------

TODAY = timezone.localdate()
# The figures of the entry pages and of the reports: this month (always open for entry, never in the
# future) and this year.
THIS_MONTH = Month.of(TODAY)
YEAR = str(TODAY.year)
MONTH_KWARGS = {"year": THIS_MONTH.year, "month": THIS_MONTH.month}

# Codes and names that nothing else on a page contains (a dot is in no CSRF token or CSP nonce).
UNITS = {
    "P": ("P.QMAU9", "Tỉnh Quảng Mẫu Chín", "province", None),
    "D1": ("D.DONG1", "Huyện Đông Một Mẫu", "district", "P"),
    "C1": ("X.ANMOT1", "Xã An Một Mẫu", "commune", "D1"),
    "D2": ("D.TAY2", "Huyện Tây Hai Khác", "district", "P"),
    "C2": ("X.YENHAI2", "Xã Yên Hai Khác", "commune", "D2"),
}
# A code of no unit, for comparing a refusal with the answer about a unit that does not exist.
NO_SUCH_CODE = "Z.KHONGCO9"

OWN, ABOVE, SIBLING, NONE = "own", "above", "sibling", "-"
RELATIONS = (OWN, ABOVE, SIBLING)
# The units at each relation: at the level of a district, and at the level of a commune.
DISTRICT_AT = {OWN: "D1", ABOVE: "P", SIBLING: "D2"}
COMMUNE_AT = {OWN: "C1", ABOVE: "P", SIBLING: "C2"}

ANONYMOUS, CLERK, LEADER, ADMIN = "anonymous", "clerk", "leader", "admin"
ROLES = (ANONYMOUS, CLERK, LEADER, ADMIN)
# What each kind of user may see: the units of their scope (None: every unit).
SCOPE = {ANONYMOUS: set(), CLERK: {"D1", "C1"}, LEADER: {"D1", "C1"}, ADMIN: None}

ISSUED = datetime.date(2025, 3, 3)
DEADLINE = datetime.date(2025, 4, 30)
DONE_ON = "2025-04-01"
INSPECTION_START = datetime.date(2025, 5, 5)
INSPECTION_END = datetime.date(2025, 5, 20)
REPORT_DUE = datetime.date(2025, 6, 30)
PROCEDURE = "1.009901"
INDICATOR = "mx_mail"


def build_world():
    """Every object the URLs need, written through the factories and the apps' write services."""
    from accounts.services import user_upsert
    from accounts.tokens import api_token_create
    from directing.models import ActivityKind, TaskAssignment
    from directing.services.activities import activities_upsert
    from directing.services.directives import assignments_add, directive_save, report_submit, task_save
    from directing.services.indicators import indicator_save, indicator_values_upsert
    from directing.services.inspections import inspection_save, report_save
    from filings.models import UnitMonth
    from filings.workflow import unit_month_submit
    from imports.models import ExportJob, ImportIssues, ImportJob, ImportRecord, ImportSource, JobStatus
    from tests.factories import FilingFactory, OfferingFactory, ProcedureFactory, TargetFactory, UnitFactory

    w = SimpleNamespace()
    w.units = {}
    for key, (code, name, kind, parent) in UNITS.items():
        w.units[key] = UnitFactory(code=code, name=name, kind=kind, parent=w.units.get(parent))
    u = w.units

    def user(username, role, *units):
        return user_upsert(username=username, role=role, unit_codes=[u[k].code for k in units])[0]

    w.users = {CLERK: user("mx_clerk", "clerk", "D1"), LEADER: user("mx_leader", "leader", "D1")}
    w.users[ADMIN] = user("mx_admin", "admin")
    clerk_sibling = user("mx_clerk2", "clerk", "D2")
    leader_above, leader_sibling = user("mx_leader_p", "leader", "P"), user("mx_leader2", "leader", "D2")

    # Figures: a procedure offered by both communes and the province, with figures this month and a year
    # before; targets of both districts; this month submitted by each commune's clerk.
    procedure = ProcedureFactory(code=PROCEDURE, name="Thủ tục ma trận quyền")
    for key in ("C1", "C2", "P"):
        OfferingFactory(unit=u[key], procedure=procedure, service_level="full")
        for year in (THIS_MONTH.year, THIS_MONTH.year - 1):
            FilingFactory(
                unit=u[key],
                procedure=procedure,
                year=year,
                month=THIS_MONTH.month,
                received_online=7,
                received_direct=3,
                resolved_on_time=8,
            )
    for key in ("D1", "D2"):
        TargetFactory(unit=u[key], year=THIS_MONTH.year, kpi="online_rate", target=30)
    for key, submitter in (("C1", w.users[CLERK]), ("C2", clerk_sibling)):
        unit_month_submit(unit=u[key], **MONTH_KWARGS, user=submitter, confirm_warnings=True)
    w.versions = {
        key: UnitMonth.objects.get(unit=u[key], **MONTH_KWARGS).version if key in ("C1", "C2") else 0
        for key in ("C1", "C2", "P")
    }

    # Directives: each relation's own, issued by its district (the province), with two tasks for its unit:
    # one reported with evidence (to decide on), one not reported yet (to report on).
    w.directive, w.assignment, w.report = {}, {}, {}
    issuers = {OWN: "D1", ABOVE: "P", SIBLING: "D2"}
    for relation in RELATIONS:
        unit = u[COMMUNE_AT[relation]]
        directive = directive_save(
            number=f"{relation}/UBND-MX",
            issued=ISSUED,
            issuer=u[issuers[relation]],
            title=f"Chỉ đạo ma trận {relation}",
            file=SimpleUploadedFile(f"cd_{relation}.pdf", b"%PDF-1.4 van ban"),
        )
        reported = task_save(directive, title="Treo pano", deadline=DEADLINE)
        open_task = task_save(directive, title="Tập huấn", deadline=DEADLINE)
        assignments_add(reported, [unit])
        assignments_add(open_task, [unit])
        w.report[relation] = report_submit(
            TaskAssignment.objects.get(task=reported, unit=unit),
            user=None,
            done_on=datetime.date.fromisoformat(DONE_ON),
            evidence=SimpleUploadedFile(f"anh_{relation}.pdf", b"%PDF-1.4 bang chung"),
        )
        w.directive[relation] = directive
        w.assignment[relation] = TaskAssignment.objects.get(task=open_task, unit=unit)

    # Inspections: each relation's own, by its district (the province) of a unit below it, with a report
    # and its file.
    w.inspection, w.visit = {}, {}
    visited = {OWN: "C1", ABOVE: "D2", SIBLING: "C2"}
    for relation in RELATIONS:
        inspection = inspection_save(
            number=f"KT-{relation}/MX",
            title=f"Kiểm tra ma trận {relation}",
            inspector=u[issuers[relation]],
            start=INSPECTION_START,
            end=INSPECTION_END,
            report_due=REPORT_DUE,
            topics=["Cơ sở vật chất", "Nhân lực"],
            visits=[(u[visited[relation]], INSPECTION_START + datetime.timedelta(days=2))],
        )
        report_save(
            inspection,
            text="Báo cáo kết quả",
            reported_on=datetime.date(2025, 6, 1),
            file=SimpleUploadedFile(f"bc_{relation}.pdf", b"%PDF-1.4 bao cao"),
        )
        w.inspection[relation] = inspection
        w.visit[relation] = inspection.visits.get()

    # Outreach activities and a yearly indicator's values of both communes and the province.
    activities_upsert(
        [
            {"unit_id": u[k].pk, "date": datetime.date(2025, 3, 10), "kind": ActivityKind.TRAINING, "participants": 9}
            for k in ("C1", "C2", "P")
        ]
    )
    w.indicator = indicator_save(code=INDICATOR, name="Thư công vụ ma trận", measure="tài khoản", periodicity="year")
    indicator_values_upsert(
        [
            {
                "indicator_id": w.indicator.pk,
                "unit_id": u[k].pk,
                "period_start": datetime.date(2025, 1, 1),
                "value": Decimal(5),
                "denominator": None,
                "note": "",
            }
            for k in ("C1", "C2", "P")
        ]
    )

    # API tokens of the own district's leader, the province's and the other district's.
    w.token = {
        OWN: api_token_create(user=w.users[LEADER], name="mx")[0],
        ABOVE: api_token_create(user=leader_above, name="mx")[0],
        SIBLING: api_token_create(user=leader_sibling, name="mx")[0],
    }

    # Imports (the administrator's): a preview with a job waiting for the worker, and one whose job failed
    # (its file no longer staged), with its issues.
    def preview(name):
        return ImportRecord.objects.create(
            kind="units",
            file_name=name,
            user=w.users[ADMIN],
            source=ImportSource.PAGE,
            dry_run=True,
            succeeded=True,
        )

    w.preview = preview("mx_queued.csv")
    w.job = ImportJob.objects.create(preview=w.preview, user=w.users[ADMIN])
    failed = preview("mx_failed.csv")
    w.failed_job = ImportJob.objects.create(
        preview=failed, user=w.users[ADMIN], status=JobStatus.FAILED, failure_reason="stopped"
    )
    ImportIssues.objects.create(record=failed, content=gzip.compress(b"1,code,mx\r\n"))
    w.record = failed

    # Large exports in the background, each its user's alone: the own district clerk's, the province
    # leader's and the other district clerk's; done, their files expired (to download: 410, to retry).
    owners = {OWN: (w.users[CLERK], "D1"), ABOVE: (leader_above, "P"), SIBLING: (clerk_sibling, "D2")}
    w.export_job = {
        relation: ExportJob.objects.create(
            user=owner, unit_code=u[key].code, period=YEAR, status=JobStatus.DONE, file_name=f"mx_{relation}.xlsx"
        )
        for relation, (owner, key) in owners.items()
    }
    return w


# --- the answers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """An answer: its possible statuses, whether it is a refusal, and for a redirect to a login page
    which one ("portal" or "admin")."""

    statuses: tuple[int, ...]
    refusal: bool
    login: str | None = None

    def __str__(self):
        kind = f"login ({self.login})" if self.login else "refused" if self.refusal else "allowed"
        return f"{kind} {'/'.join(map(str, self.statuses))}"


def OK(*statuses):  # noqa: N802 - reads as a constant in the table
    """Allowed: one of these statuses (default 200); a redirect goes anywhere but a login page."""
    return Expect(statuses or (200,), refusal=False)


LOGIN = Expect((302,), refusal=True, login="portal")
ADMIN_LOGIN = Expect((302,), refusal=True, login="admin")
UNAUTHORIZED = Expect((401,), refusal=True)  # the JSON API without credentials
FORBIDDEN = Expect((403,), refusal=True)
NOT_FOUND = Expect((404,), refusal=True)
# Signing out: allowed, and then the login page.
SIGNED_OUT = Expect((302,), refusal=False, login="portal")
# The start page refuses a unit outside the scope in its form (the same words as for an unknown code).
FORM_REFUSED = Expect((200,), refusal=True)


def scoped(ok=None, *, clerk=None, leader=None, admin=None, anonymous=LOGIN, outside=NOT_FOUND):
    """The rule of docs/security.md: the own unit's users get `ok` (the clerk `clerk`, the leader
    `leader` when their role changes it), any other unit answers `outside`; an administrator gets
    `admin` (default `ok`) for every unit; anonymous users `anonymous`."""
    ok = ok or OK()
    by_role = {CLERK: clerk or ok, LEADER: leader or ok}

    def expect(role, relation):
        if role == ANONYMOUS:
            return anonymous
        if role == ADMIN:
            return admin or ok
        return by_role[role] if relation == OWN else outside

    return expect


def by_role(*, anonymous=LOGIN, clerk, leader, admin):
    """The same answer whatever the relation: by role only."""
    answers = {ANONYMOUS: anonymous, CLERK: clerk, LEADER: leader, ADMIN: admin}
    return lambda role, relation: answers[role]


EVERYONE = by_role(anonymous=OK(), clerk=OK(), leader=OK(), admin=OK())
SIGNED_IN = by_role(clerk=OK(), leader=OK(), admin=OK())
ADMINS_ONLY = by_role(clerk=FORBIDDEN, leader=FORBIDDEN, admin=OK())
# The API: JSON 401 without credentials, 404 outside the scope (docs/api.md).
API = scoped(anonymous=UNAUTHORIZED)
# The Django admin's pages: its own login page for anonymous users and for those who are not staff.
ADMIN_SITE = by_role(anonymous=ADMIN_LOGIN, clerk=ADMIN_LOGIN, leader=ADMIN_LOGIN, admin=OK())


# --- the requests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kwargs: dict = field(default_factory=dict)  # of the URL pattern
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)  # a POST's body
    path: str = ""  # the URL itself, for a pattern that cannot be reversed (the API's catch-all)


@dataclass(frozen=True)
class Try:
    """One way of asking a URL: the method, the request for a relation (`build(world, relation)`; the
    relation is "-" for a try without relations) and the answer each role gets (`expect(role,
    relation)`)."""

    method: str
    build: Callable
    expect: Callable
    relational: bool = True


def code(w, key):
    return w.units[key].code


def district(w, relation):
    return code(w, DISTRICT_AT[relation])


def commune(w, relation):
    return code(w, COMMUNE_AT[relation])


def month_of(w, relation):
    """The commune's month of this year's figures (the province's for the relation above)."""
    return Request(kwargs={"code": commune(w, relation), **MONTH_KWARGS})


def plain(**query):
    """A request without relation (a page that names no unit)."""
    return lambda w, relation: Request(query=query)


def with_unit(param, key_of=district, **query):
    """?<param>=<the unit at the relation>&...query."""
    return lambda w, relation: Request(query={param: key_of(w, relation), **query})


def in_path(key_of=district, **query):
    """/<the unit at the relation>/?...query."""
    return lambda w, relation: Request(kwargs={"code": key_of(w, relation)}, query=query)


def pk_of(attribute, **data):
    """The primary key of the world's object at the relation (w.<attribute>[relation])."""
    return lambda w, relation: Request(kwargs={"pk": getattr(w, attribute)[relation].pk}, data=data)


def get(build, expect, **options):
    return Try("get", build, expect, **options)


def post(build, expect, **options):
    return Try("post", build, expect, **options)


def plain_get(expect, **query):
    return Try("get", plain(**query), expect, relational=False)


def plain_post(expect, **data):
    return Try("post", lambda w, relation: Request(data=data), expect, relational=False)


def _entry_post(w, relation):
    # A save of nothing on the district's month (no unit-month yet): "Nothing changed", back to the page.
    return Request(
        kwargs={"code": district(w, relation), **MONTH_KWARGS}, data={"action": "save", "version": 0, "changes": "{}"}
    )


def _decide(w, relation):
    key = COMMUNE_AT[relation]
    return Request(
        kwargs={"code": code(w, key), **MONTH_KWARGS}, data={"action": "approve", "version": w.versions[key]}
    )


def _recommend(w, relation):
    return Request(
        kwargs={"pk": w.inspection[relation].pk},
        data={
            "recommendation-title": "Niêm yết thủ tục",
            "recommendation-deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
            "recommendation-units": [w.visit[relation].unit_id],
        },
    )


def _findings(w, relation):
    visit = w.visit[relation]
    topic = visit.inspection.topics.order_by("pk").first()
    return Request(kwargs={"pk": visit.pk}, data={f"result_{topic.pk}": "meets", f"note_{topic.pk}": "Đủ"})


def _procedure(w, relation):
    return Request(kwargs={"code": district(w, relation), "procedure": PROCEDURE}, query={"period": YEAR})


def _indicator_entry(w, relation):
    return Request(query={"unit": commune(w, relation), "period": "2025"}, data={f"{INDICATOR}-value": "6"})


def _start(w, relation):
    return Request(query={"unit": commune(w, relation), "month": str(THIS_MONTH)})


def _imports(attribute):
    return lambda w, relation: Request(kwargs={"pk": getattr(w, attribute).pk})


PERIOD = {"period": YEAR}
RANKING_KPI = {"period": YEAR, "kpi": "online_rate"}
# Answers of a leader's action that a clerk may not take (403 in the own unit; 404 elsewhere).
LEADERS_ACT = scoped(OK(302), clerk=FORBIDDEN)

# A job of the own district's clerk: theirs alone (the own district's leader and administrators get 404).
OWNERS_ONLY = scoped(leader=NOT_FOUND, admin=NOT_FOUND)

# URL name -> the ways to ask it. Every URL of the project is here (test_every_url_is_in_the_matrix), the
# Django admin's own pages excepted (ADMIN_SITE_VIEWS below says which of its URLs are the portal's).
TABLE: dict[str, list[Try]] = {
    # --- the site, signing in and out, the language
    "home": [
        # ?open= names a unit whose children to load: outside the scope it is ignored, never shown.
        get(lambda w, r: Request(query={"period": YEAR, "open": district(w, r)}), scoped(outside=OK())),
    ],
    "healthz": [plain_get(EVERYONE)],
    "favicon": [plain_get(by_role(anonymous=OK(301), clerk=OK(301), leader=OK(301), admin=OK(301)))],
    "login": [plain_get(by_role(anonymous=OK(), clerk=OK(302), leader=OK(302), admin=OK(302)))],
    "logout": [plain_post(by_role(anonymous=SIGNED_OUT, clerk=SIGNED_OUT, leader=SIGNED_OUT, admin=SIGNED_OUT))],
    "set_language": [
        plain_post(by_role(anonymous=OK(302), clerk=OK(302), leader=OK(302), admin=OK(302)), language="vi")
    ],
    # --- accounts
    "accounts:password_change": [plain_get(SIGNED_IN)],
    "accounts:password_change_done": [plain_get(SIGNED_IN)],
    "accounts:password_reset": [plain_get(EVERYONE)],
    "accounts:password_reset_done": [plain_get(EVERYONE)],
    "accounts:password_reset_confirm": [
        Try("get", lambda w, r: Request(kwargs={"uidb64": "MQ", "token": "x-y"}), EVERYONE, relational=False)
    ],
    "accounts:password_reset_complete": [plain_get(EVERYONE)],
    "accounts:api_tokens": [
        plain_get(by_role(clerk=FORBIDDEN, leader=OK(), admin=OK())),
        plain_post(by_role(clerk=FORBIDDEN, leader=OK(), admin=OK()), name="mx script"),
    ],
    # The token of the own district's leader, of the province's and of the other district's: only its
    # owner revokes it here (administrators in the admin).
    "accounts:api_token_revoke": [post(pk_of("token"), scoped(OK(302), clerk=NOT_FOUND, admin=NOT_FOUND))],
    # --- filings
    "filings:start": [
        plain_get(SIGNED_IN),
        get(_start, scoped(OK(302), outside=FORM_REFUSED)),
    ],
    "filings:completeness": [get(with_unit("parent", **PERIOD), scoped())],
    "filings:export": [get(with_unit("unit", **PERIOD), scoped())],
    "filings:entry": [get(month_of, scoped()), post(_entry_post, scoped(OK(302)))],
    "filings:entry_rows": [get(month_of, scoped())],
    # This month is submitted in both communes (by their clerks): a leader approves it, a clerk may not;
    # the province's is not submitted (an administrator is sent back to its page with the reason).
    "filings:decide": [post(_decide, LEADERS_ACT)],
    "filings:history": [get(month_of, scoped())],
    "filings:form06": [get(month_of, scoped())],
    # --- reports
    "reports:ranking": [
        plain_get(SIGNED_IN, **PERIOD),
        get(with_unit("unit", **PERIOD), scoped()),
        get(with_unit("unit", tree="today", **PERIOD), scoped()),
    ],
    "reports:unit": [get(in_path(**PERIOD), scoped()), get(in_path(tree="today", **PERIOD), scoped())],
    "reports:procedure": [get(_procedure, scoped())],
    "reports:export_unit": [get(in_path(**PERIOD), scoped())],
    "reports:export_procedure": [get(_procedure, scoped())],
    "reports:export_kpis": [get(with_unit("unit", **PERIOD), scoped())],
    "reports:export_ranking": [get(with_unit("parent", **RANKING_KPI), scoped())],
    "scores:board": [plain_get(SIGNED_IN, **PERIOD), get(with_unit("unit", **PERIOD), scoped())],
    # --- imports: administrators only; a job is its owner's or an administrator's (404 for anyone else)
    "imports:page": [plain_get(ADMINS_ONLY), plain_post(by_role(clerk=FORBIDDEN, leader=FORBIDDEN, admin=OK(400)))],
    # The preview's job is waiting: confirming again shows it.
    "imports:confirm": [
        Try("post", _imports("preview"), by_role(clerk=FORBIDDEN, leader=FORBIDDEN, admin=OK(302)), relational=False)
    ],
    "imports:result": [Try("get", _imports("record"), ADMINS_ONLY, relational=False)],
    "imports:issues": [Try("get", _imports("record"), ADMINS_ONLY, relational=False)],
    "imports:job": [
        Try("get", _imports("job"), by_role(clerk=NOT_FOUND, leader=NOT_FOUND, admin=OK()), relational=False)
    ],
    "imports:job_status": [
        Try(
            "get",
            _imports("job"),
            by_role(anonymous=NOT_FOUND, clerk=NOT_FOUND, leader=NOT_FOUND, admin=OK()),
            relational=False,
        )
    ],
    # The failed job's file is no longer staged: its owner is told so (410).
    "imports:job_retry": [
        Try(
            "post",
            _imports("failed_job"),
            by_role(anonymous=NOT_FOUND, clerk=NOT_FOUND, leader=NOT_FOUND, admin=OK(410)),
            relational=False,
        )
    ],
    "imports:template": [Try("get", lambda w, r: Request(kwargs={"kind": "units"}), ADMINS_ONLY, relational=False)],
    # Large exports in the background: queued by anyone for a unit of their scope (404 outside it, as the
    # page's export); a job is its user's alone, 404 for anyone else, administrators too.
    "imports:export_new": [
        post(lambda w, r: Request(data={"kind": "filings", "unit": district(w, r), "period": YEAR}), scoped(OK(302)))
    ],
    "imports:export_job": [get(pk_of("export_job"), OWNERS_ONLY)],
    "imports:export_status": [get(pk_of("export_job"), scoped(leader=NOT_FOUND, admin=NOT_FOUND, anonymous=NOT_FOUND))],
    "imports:export_download": [get(pk_of("export_job"), scoped(OK(410), leader=NOT_FOUND, admin=NOT_FOUND))],
    "imports:export_retry": [post(pk_of("export_job"), scoped(OK(302), leader=NOT_FOUND, admin=NOT_FOUND))],
    # --- directing
    "directing:overdue": [plain_get(SIGNED_IN), get(with_unit("unit", key_of=commune), scoped())],
    "directing:directive": [get(pk_of("directive"), scoped())],
    "directing:report": [
        get(pk_of("assignment"), scoped()),
        post(pk_of("assignment", done_on=DONE_ON), scoped(OK(302))),
    ],
    # A report on the directive of the own district: its leader confirms it, its clerk may not.
    "directing:decide": [post(pk_of("report", action="confirm"), LEADERS_ACT)],
    "directing:directive_file": [get(pk_of("directive"), scoped())],
    "directing:evidence": [get(pk_of("report"), scoped())],
    "directing:inspections": [plain_get(SIGNED_IN)],
    "directing:inspection": [get(pk_of("inspection"), scoped())],
    "directing:inspection_recommend": [post(_recommend, LEADERS_ACT)],
    "directing:inspection_report": [
        post(pk_of("inspection", **{"report-report": "Kết luận", "report-reported_on": "2025-06-01"}), LEADERS_ACT)
    ],
    "directing:inspection_report_file": [get(pk_of("inspection"), scoped())],
    # The inspecting unit's people, any role, enter the findings.
    "directing:visit_findings": [get(pk_of("visit"), scoped()), post(_findings, scoped(OK(302)))],
    "directing:directive_export": [get(pk_of("directive"), scoped())],
    "directing:overdue_export": [get(with_unit("unit", key_of=commune), scoped())],
    "directing:activities_export": [get(with_unit("unit", period="2025"), scoped())],
    "directing:inspection_export": [get(pk_of("inspection"), scoped())],
    "directing:indicators_export": [get(with_unit("unit", period="2025"), scoped())],
    "directing:indicators": [get(with_unit("unit", key_of=commune), scoped())],
    "directing:indicator_entry": [
        get(with_unit("unit", key_of=commune, period="2025"), scoped()),
        post(_indicator_entry, scoped(OK(302))),
    ],
    # --- the JSON API (a session here; docs/api.md: 401 without credentials, 404 outside the scope)
    "api:kpi": [get(with_unit("unit", **PERIOD), API)],
    "api:ranking": [
        plain_get(by_role(anonymous=UNAUTHORIZED, clerk=OK(), leader=OK(), admin=OK()), **RANKING_KPI),
        get(with_unit("parent", **RANKING_KPI), API),
    ],
    "api:alerts": [get(with_unit("parent", **PERIOD), API)],
    "api:score": [get(with_unit("unit", **PERIOD), API)],
    # The catch-all under /api/v1/: a JSON 404 for everyone.
    "api:None": [
        Try(
            "get",
            lambda w, r: Request(path="/api/v1/nothing-here"),
            by_role(anonymous=NOT_FOUND, clerk=NOT_FOUND, leader=NOT_FOUND, admin=NOT_FOUND),
            relational=False,
        )
    ],
}

# The Django admin's URLs that are the portal's own views (imports.resources.PortalImportMixin: the
# import through the portal's importer, and the export of its resources), matched by the end of their
# names: every model admin with the mixin has them, those added later too.
ADMIN_SITE_VIEWS = {
    "_import": Try("get", plain(), ADMIN_SITE, relational=False),
    # Without a previewed record: back to the import page with a message.
    "_process_import": Try(
        "post",
        plain(),
        by_role(anonymous=ADMIN_LOGIN, clerk=ADMIN_LOGIN, leader=ADMIN_LOGIN, admin=OK(302)),
        relational=False,
    ),
    "_export": Try("get", plain(), ADMIN_SITE, relational=False),
}


def admin_tries(name):
    """The tries of an admin URL of the portal's (admin:<app>_<model>_import ...), else None."""
    if name.startswith("admin:"):
        for suffix in ("_process_import", "_import", "_export"):  # the longest first
            if name.endswith(suffix):
                return [ADMIN_SITE_VIEWS[suffix]]
    return None


def json_text(text):
    """How a text appears in JSON written with ensure_ascii (\\u escapes)."""
    return json.dumps(text)[1:-1]
