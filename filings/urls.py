from django.urls import path, register_converter

from . import views


class TwoDigits:
    """A month in a URL, always written with two digits (2019-07)."""

    regex = r"[0-9]{2}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"


class FourDigits:
    regex = r"[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


register_converter(TwoDigits, "mm")
register_converter(FourDigits, "yyyy")

app_name = "filings"

urlpatterns = [
    path("", views.start, name="start"),
    path("completeness/", views.completeness, name="completeness"),
    path("export.xlsx", views.export, name="export"),
    path("<str:code>/<yyyy:year>-<mm:month>/", views.entry, name="entry"),
    path("<str:code>/<yyyy:year>-<mm:month>/rows/", views.entry_rows, name="entry_rows"),
    path("<str:code>/<yyyy:year>-<mm:month>/decide/", views.decide, name="decide"),
    path("<str:code>/<yyyy:year>-<mm:month>/history/", views.history, name="history"),
    path("<str:code>/<yyyy:year>-<mm:month>/form06.xlsx", views.form06, name="form06"),
]
