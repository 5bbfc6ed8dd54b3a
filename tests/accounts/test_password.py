"""Password change for a logged-in user, and reset by email for one who forgot it."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"
NEW_PASSWORD = "Hue-Tam-Ky-2025!"


@pytest.fixture
def english(client, settings):
    """English pages, as chosen with the language switcher (its cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def user():
    return UserFactory(username="canbo", email="canbo@example.gov.vn")


def visible_text(response):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class TestChange:
    url = "/accounts/password/change/"

    def test_needs_login(self, client, db):
        response = client.get(self.url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_the_form_is_in_vietnamese(self, client, user):
        client.force_login(user)
        text = visible_text(client.get(self.url))
        assert "Mật khẩu cũ" in text and "Mật khẩu mới" in text and "Xác nhận mật khẩu mới" in text

    def test_a_wrong_old_password_is_refused_with_a_message(self, client, user):
        client.force_login(user)
        response = client.post(
            self.url, {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 200
        assert "Mật khẩu cũ không chính xác" in visible_text(response)
        assert authenticate(username="canbo", password=PASSWORD) == user

    def test_a_weak_password_is_refused(self, client, user):
        client.force_login(user)
        response = client.post(
            self.url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
        )
        assert response.status_code == 200 and "form__error" in response.content.decode()
        assert authenticate(username="canbo", password=PASSWORD) == user

    def test_change_keeps_the_user_logged_in_and_the_new_password_works(self, client, user, english):
        client.force_login(user)
        response = client.post(
            self.url,
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            follow=True,
        )
        assert response.redirect_chain == [("/accounts/password/change/done/", 302)]
        assert "Your password has been changed." in visible_text(response)
        assert response.wsgi_request.user == user
        assert authenticate(username="canbo", password=NEW_PASSWORD) == user
        assert authenticate(username="canbo", password=PASSWORD) is None


class TestReset:
    url = "/accounts/password/reset/"

    def test_is_linked_from_the_login_page(self, client, db):
        assert f'href="{self.url}"' in client.get(reverse("login")).content.decode()

    def test_the_whole_reset_by_email(self, client, user, english):
        response = client.post(self.url, {"email": "canbo@example.gov.vn"}, follow=True)
        assert response.redirect_chain == [("/accounts/password/reset/done/", 302)]
        assert "Check your email" in visible_text(response)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["canbo@example.gov.vn"]
        assert "Password reset on" in message.subject and "\n" not in message.subject
        assert "Your username: canbo" in message.body
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)[1]

        # The link opens a form (Django first swaps the token into the session and redirects).
        response = client.get(link, follow=True)
        assert response.status_code == 200 and "Choose a new password" in visible_text(response)
        form_url = response.redirect_chain[-1][0]
        response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
        assert response.redirect_chain == [("/accounts/password/reset/complete/", 302)]
        assert "Your new password is set." in visible_text(response)
        assert f'href="{reverse("login")}"' in response.content.decode()
        assert authenticate(username="canbo", password=NEW_PASSWORD) == user

        # The link works once.
        response = client.get(link, follow=True)
        assert "This link no longer works" in visible_text(response)

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self, client, user):
        response = client.post(self.url, {"email": "someone@example.com"})
        assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
        assert mail.outbox == []

    def test_a_forged_link_is_refused(self, client, user, english):
        response = client.get("/accounts/password/reset/MQ/abc-123/", follow=True)
        assert "This link no longer works" in visible_text(response)
        assert 'name="new_password1"' not in response.content.decode()

    def test_pages_render_in_vietnamese(self, client, db):
        for url in (self.url, "/accounts/password/reset/done/", "/accounts/password/reset/complete/"):
            response = client.get(url)
            assert response.status_code == 200
            assert '<html lang="vi">' in response.content.decode()
