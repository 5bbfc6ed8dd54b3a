"""Hardening of sign-in (issue 13): password-reset mails are throttled per e-mail address and per client
address, sessions end after a time without activity and last a working day at most, and the demo
commands refuse to run with the production settings."""

import datetime
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from accounts.middleware import LAST_SEEN
from accounts.models import PasswordResetRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def users():
    return [UserFactory(username=f"canbo{i}", email=f"canbo{i}@example.gov.vn") for i in range(12)]


def test_three_reset_mails_per_address_then_none(client, users, english):
    for _ in range(3):
        assert client.post(RESET, {"email": "canbo0@example.gov.vn"}).status_code == 302
    response = client.post(RESET, {"email": "CANBO0@example.gov.vn "})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert len(mail.outbox) == 3
    # An hour later the address may ask again.
    PasswordResetRequest.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert client.post(RESET, {"email": "canbo0@example.gov.vn"}).status_code == 302
    assert len(mail.outbox) == 4


def test_ten_reset_requests_per_client_address_whatever_the_e_mail(client, users, english):
    for i in range(10):
        assert client.post(RESET, {"email": f"canbo{i}@example.gov.vn"}, REMOTE_ADDR="203.0.113.9").status_code == 302
    response = client.post(RESET, {"email": "canbo10@example.gov.vn"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429 and len(mail.outbox) == 10
    # Unknown addresses count too (no mail either way), and another client is not held.
    assert client.post(RESET, {"email": "canbo11@example.gov.vn"}, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert len(mail.outbox) == 11


def test_a_session_idle_too_long_ends(client, english, settings):
    user = UserFactory(username="canbo")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("reports:ranking"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login") + "?next=/reports/ranking/")
    assert "signed out after a time without activity" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # signed out for good


def test_an_idle_session_on_the_api_answers_401_in_json(client, settings):
    client.force_login(UserFactory(username="canbo"))
    client.get(reverse("home"))
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/api/v1/kpi", {"unit": "X", "period": "2024"})
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")


def test_an_active_session_lasts_a_working_day_at_most(client):
    UserFactory(username="canbo")
    response = client.post(reverse("login"), {"username": "canbo", "password": "pw-Secret-123"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600


@pytest.mark.parametrize("command", ["seed_demo", "generate_dataset"])
def test_the_demo_commands_refuse_the_production_settings(command, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.production",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.gov.vn",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert f"{command} writes demo data and logins; it does not run with the production settings" in done.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:  # nothing written: not even the tables
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone() == (0,)
