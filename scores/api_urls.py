"""The score's endpoint of the JSON API, mounted under /api/v1/ in the `api` namespace together with
reports.api_urls (dvc_portal/urls.py), whose catch-all comes last."""

from django.urls import re_path

from . import api

urlpatterns = [
    re_path(r"^score/?$", api.score_view, name="score"),
]
