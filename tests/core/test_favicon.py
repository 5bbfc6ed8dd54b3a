"""/favicon.ico, which browsers ask for on the pages that name no icon (the admin's, error pages)."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_the_icon_browsers_ask_for_is_the_portals_logo(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"] == static("img/logo.svg")
    assert finders.find("img/logo.svg")  # a file the static files serve, not another 404
