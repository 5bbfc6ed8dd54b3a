"""Production: safe by default (`manage.py check --deploy --fail-level WARNING` passes with the variables
the README lists). Refuses to start without SECRET_KEY, with DEBUG on, or without a real mail server
(password-reset links and reminders go by mail, never to a log); HTTPS with HSTS and secure cookies, the
reverse proxy's X-Forwarded-Proto trusted; `/healthz` answers over plain HTTP for load balancers."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND_PATH, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable (a long random string) to run in production.")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production; unset the DEBUG environment variable.")
if not EMAIL_BACKEND_PATH.endswith(".smtp.EmailBackend") or not env("EMAIL_HOST", default=""):
    raise ImproperlyConfigured(
        "Production needs a mail server: set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and "
        "EMAIL_HOST (with EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS as the server needs); "
        "password-reset links and reminders are sent by mail."
    )

# seed_demo and generate_dataset refuse to run (the demo's admin / admin login, synthetic data).
DEMO_COMMANDS_ALLOWED = False

# HTTPS. SECURE_SSL_REDIRECT off: a proxy that terminates TLS redirects plain HTTP itself. SECURE_COOKIES
# off: local runs over plain HTTP. Both then make check --deploy warn, as they should.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe /healthz over plain HTTP: no redirect there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
