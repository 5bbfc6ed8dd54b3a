"""The daily reminders (manage.py send_reminders): one mail per person and day, in Vietnamese, with links
to the pages where each thing is done. What a mail says comes from directing.selectors.reminders."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from ..models import Reminder
from ..selectors.reminders import Digest, digest_for, recipients

MAIL_LANGUAGE = "vi"


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)  # usernames
    already: list[str] = field(default_factory=list)  # reminded earlier today
    nothing: int = 0  # people with nothing to be reminded of
    failed: list[tuple[str, str]] = field(default_factory=list)  # (username, reason)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def render(digest: Digest, today: datetime.date) -> tuple[str, str]:
    """(subject, body) of a person's reminder, in Vietnamese."""
    with translation.override(MAIL_LANGUAGE):
        subject = ngettext(
            "Reminder of %(date)s: %(count)s thing to do", "Reminder of %(date)s: %(count)s things to do", digest.count
        ) % {
            "date": f"{today:%d/%m/%Y}",
            "count": digest.count,
        }
        body = render_to_string(
            "directing/mail/reminder.txt",
            {
                "digest": digest,
                "user": digest.user,
                "today": today,
                "site": settings.SITE_URL.rstrip("/"),
                "start_url": absolute(reverse("filings:start")),
                "tasks_url": absolute(reverse("directing:overdue")),
            },
        )
    return f"[dvc-portal] {subject}", body


def send_reminders(today: datetime.date, *, dry_run: bool = False, users=None) -> Outcome:
    """Mail every recipient (directing.selectors.reminders.recipients, or `users`) with something to be
    reminded of on `today`, once per day: a Reminder row is written first and deleted again if sending
    fails, so a second run the same day skips those already reminded and retries those that failed.
    `dry_run`: nothing is written or sent (the outcome says who would get a mail)."""
    outcome = Outcome()
    reminded = set(Reminder.objects.filter(day=today).values_list("user_id", flat=True))
    for user in users if users is not None else recipients():
        if user.pk in reminded:
            outcome.already.append(user.username)
            continue
        digest = digest_for(user, today)
        if not digest.count:
            outcome.nothing += 1
            continue
        if dry_run:
            outcome.sent.append(user.username)
            continue
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(user=user, day=today, items=digest.count)
        except IntegrityError:  # another run reminded this person meanwhile
            outcome.already.append(user.username)
            continue
        subject, body = render(digest, today)
        try:
            send_mail(subject, body, None, [user.email])
        except Exception as exc:  # noqa: BLE001 - any failure of the mail server: retried on the next run
            reminder.delete()
            outcome.failed.append((user.username, f"{type(exc).__name__}: {exc}"))
        else:
            outcome.sent.append(user.username)
    return outcome
