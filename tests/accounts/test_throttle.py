"""Failed logins are throttled per username *and* address (django-axes): a shared office address is not
locked out by one user, and one user is not locked out everywhere by someone guessing from elsewhere."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def users():
    return UserFactory(username="canbo1"), UserFactory(username="canbo2")


def login(client, username, password, address=OFFICE, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response):
    return response.wsgi_request.user.is_authenticated


def fail(client, username, times, address=OFFICE):
    """Log in with a wrong password `times` times; the fifth failure already answers with the lockout."""
    for attempt in range(1, times + 1):
        response = login(client, username, "wrong-password", address)
        assert response.status_code == (429 if attempt >= 5 else 200) and not logged_in(response)
    return response


def test_settings_lock_the_username_and_address_combination():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_four_failures_then_the_right_password_logs_in(client, users):
    fail(client, "canbo1", 4)
    response = login(client, "canbo1", PASSWORD)
    assert response.status_code == 302 and logged_in(response)


def test_five_failures_lock_that_username_from_that_address(client, users):
    response = fail(client, "canbo1", 4)
    assert response.status_code == 200  # the login form again, with its error
    response = login(client, "canbo1", "wrong-password")
    assert response.status_code == 429
    assert not logged_in(response)


def test_the_right_password_after_the_lockout_is_refused_with_the_lockout_page(client, users):
    fail(client, "canbo1", 5)
    response = login(client, "canbo1", PASSWORD, url=reverse("login") + "?next=/")
    assert response.status_code == 429
    assert not logged_in(response)
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'class="login-card"' in page and "page-locked-out" in page
    assert reverse("accounts:password_reset") in page
    # The page is in Vietnamese, like the login page; the cool-off is in minutes.
    assert '<html lang="vi">' in page
    assert "15" in page


def test_the_lockout_page_says_why_and_for_how_long(client, users):
    fail(client, "canbo1", 5)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("login"), {"username": "canbo1", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    text = " ".join(response.content.decode().split())
    assert "Too many failed logins" in text
    assert "wrong 5 times in a row for this account from your address" in text
    assert "Try again in 15 minutes." in text


def test_the_same_username_from_another_address_still_logs_in(client, users):
    fail(client, "canbo1", 5)
    response = login(client, "canbo1", PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302 and logged_in(response)


def test_another_username_from_the_same_address_still_logs_in(client, users):
    fail(client, "canbo1", 5)
    response = login(client, "canbo2", PASSWORD)
    assert response.status_code == 302 and logged_in(response)


def test_failures_of_different_usernames_from_one_address_do_not_add_up(client, users):
    # An office of clerks each mistyping a few times: nobody is locked out.
    fail(client, "canbo1", 4)
    fail(client, "canbo2", 4)
    assert login(client, "canbo1", PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, users):
    fail(client, "canbo1", 4)
    assert login(client, "canbo1", PASSWORD).status_code == 302
    client.logout()
    fail(client, "canbo1", 4)
    assert login(client, "canbo1", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, users):
    fail(client, "canbo1", 5)
    assert login(client, "canbo1", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = login(client, "canbo1", PASSWORD)
    assert response.status_code == 302 and logged_in(response)


def test_the_admin_login_is_throttled_too(client, users):
    admin_login = reverse("admin:login")
    for _ in range(5):
        login(client, "canbo1", "wrong-password", url=admin_login)
    assert login(client, "canbo1", PASSWORD, url=admin_login).status_code == 429


def test_an_unknown_username_is_throttled_the_same_way(client, users):
    # So that the lockout does not tell which usernames exist.
    fail(client, "nobody", 4)
    assert login(client, "nobody", "wrong-password").status_code == 429


def test_a_login_without_a_request_is_not_refused(users):
    # Scripts and the test client authenticate without a request: no address to throttle by.
    from django.contrib.auth import authenticate

    assert authenticate(username="canbo1", password=PASSWORD) == users[0]
    assert authenticate(username="canbo1", password="wrong") is None
