"""WSGI entry point: `gunicorn dvc_portal.wsgi:application` (production settings unless told otherwise)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings.production")

application = get_wsgi_application()
