from django.urls import re_path

from . import api

app_name = "api"

# The trailing slash is optional: scripts write both.
urlpatterns = [
    re_path(r"^kpi/?$", api.kpi, name="kpi"),
    re_path(r"^ranking/?$", api.ranking_view, name="ranking"),
    re_path(r"^alerts/?$", api.alerts_view, name="alerts"),
    re_path(r"^(?P<path>.*)$", api.not_found),
]
