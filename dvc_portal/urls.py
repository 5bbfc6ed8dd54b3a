from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core.views import favicon, healthz
from reports import api_urls as reports_api_urls
from reports.views import home
from scores import api_urls as scores_api_urls

# The admin under the portal's name, not Django's.
admin.site.site_header = _("Online Public Service Tracker: administration")
admin.site.site_title = _("Online Public Service Tracker")
admin.site.index_title = _("Catalogue, users and data")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("filings/", include("filings.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("imports.urls")),
    path("scores/", include("scores.urls")),
    path("directing/", include("directing.urls")),
    # One `api` namespace: the score's endpoint (scores, above reports in the layers), then reports', whose
    # catch-all answers unknown paths in JSON.
    path("api/v1/", include(([*scores_api_urls.urlpatterns, *reports_api_urls.urlpatterns], "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
