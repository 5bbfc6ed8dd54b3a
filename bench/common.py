"""Pieces the load benchmarks share (bench/load.py, bench/load_mixed.py): the server's environment, gunicorn
started on a free port of 127.0.0.1 and stopped, and a throw-away PostgreSQL database. Not a benchmark of
its own: run directly (as `make bench` does with every script here), it says so and exits 0."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Development settings with DEBUG off, as bench/entry_page.py serves them: production's differ in cookies,
# HTTPS and mail, not in the paths measured.
LOCAL_SETTINGS = "dvc_portal.settings.local"


def environment(url, secret_key, *, settings=LOCAL_SETTINGS, **extra):
    """The server's environment: the database, the settings module, DEBUG off, errors only in its log."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def collectstatic(env):
    """The static files' manifest, which the pages need with DEBUG off (whitenoise)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env, *, workers=2, timeout=None, log=None, options=()):
    """gunicorn (sync workers) on a free port of 127.0.0.1, once /healthz answers 200: (process, base URL).
    `log`: an open file for its standard error (its own log and the application's errors), else discarded;
    `timeout`: gunicorn's --timeout (its default, 30 s, when None); `options`: more of gunicorn's options."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "dvc_portal.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync", "--backlog", "2048"]
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    command += list(options)
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log if log is not None else subprocess.DEVNULL
    )
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server, f"http://127.0.0.1:{port}"
        except (OSError, urllib.error.URLError):
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop(server):
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def throwaway_url(url):
    """The throw-away database beside `url`'s: test_<name>."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/test_" + parts.path.lstrip("/")))


def _maintenance(url):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True), parts.path.lstrip("/")


def recreate_database(url):
    """Drop the database of `url` if it exists and create it empty."""
    connection, name = _maintenance(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url):
    connection, name = _maintenance(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url, settings=LOCAL_SETTINGS, **extra):
    """Django in this process against the database of `url`."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings, **extra})
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


if __name__ == "__main__":
    print("bench/common.py holds the helpers of bench/load.py and bench/load_mixed.py; nothing to run")
