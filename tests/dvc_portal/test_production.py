"""The production settings are safe by default (issue 13): `check --deploy --fail-level WARNING` passes
with the variables the README lists; without a mail server they refuse to start; plain HTTP is
redirected to HTTPS except `/healthz`; HSTS, secure cookies and the Content-Security-Policy are sent.
Each runs the settings module in a process of its own, as a server would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_VARIABLES = {
    "DJANGO_SETTINGS_MODULE": "dvc_portal.settings.production",
    "SECRET_KEY": "k3y-" + "x" * 60,
    "ALLOWED_HOSTS": "dvc.example.gov.vn",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.gov.vn",
}


def run(tmp_path, *argv, drop=(), **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in README_VARIABLES and not key.startswith(("SECURE_", "DATABASE_", "DJANGO_"))
    }
    env |= {k: v for k, v in README_VARIABLES.items() if k not in drop}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra}
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_the_readme_variables(tmp_path):
    done = run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("drop", [("EMAIL_BACKEND",), ("EMAIL_HOST",)])
def test_production_without_a_mail_server_refuses_to_start(tmp_path, drop):
    done = run(tmp_path, "manage.py", "check", drop=drop)
    assert done.returncode != 0
    assert (
        "Production needs a mail server: set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend" in done.stderr
    )


def test_the_switches_for_a_proxy_that_terminates_tls_make_check_deploy_warn(tmp_path):
    done = run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="off")
    assert done.returncode != 0 and "security.W008" in done.stderr


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
# No collectstatic here: plain static storage instead of the manifest (what is probed is the headers).
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
client = Client(HTTP_HOST="dvc.example.gov.vn")
health = client.get("/healthz")
http = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
styled = client.get("/accounts/password/reset/", secure=True)  # a page with a <style> of its own
print(json.dumps({
    "health": health.status_code,
    "plain": [http.status_code, http.get("Location")],
    "secure": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "styled_csp": styled.get("Content-Security-Policy"),
    "styled_nonce": "<style nonce=" in styled.content.decode(),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]) if "csrftoken" in secure.cookies else None,
}))
"""


def test_https_hsts_csp_and_healthz_over_plain_http(tmp_path):
    assert run(tmp_path, "manage.py", "migrate", "--noinput").returncode == 0
    done = run(tmp_path, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["health"] == 200  # a load balancer's probe over plain HTTP
    assert answer["plain"] == [301, "https://dvc.example.gov.vn/accounts/login/"]
    assert answer["secure"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self';" in answer["csp"] and "frame-ancestors 'none'" in answer["csp"]
    assert "unsafe-inline" not in answer["csp"] and "unsafe-inline" not in answer["styled_csp"]
    assert "style-src 'self' 'nonce-" in answer["styled_csp"] and answer["styled_nonce"]
    assert answer["csrf_cookie_secure"] is True
