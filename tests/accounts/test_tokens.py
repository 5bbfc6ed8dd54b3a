"""API tokens: stored hashed, shown once, listed and revoked by their owner on the tokens page, revoked
by administrators in the admin."""

import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.authentication import api_token_for_key
from accounts.models import ApiToken, Role
from accounts.tokens import api_token_create, api_token_revoke
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKENS_URL = "/accounts/tokens/"


@pytest.fixture
def user():
    return UserFactory(username="canbo", role=Role.LEADER, units=[UnitFactory(code="D")])


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    # The page's own wording in English; the Vietnamese translations are merged from locale/pending/api.po.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def visible_text(response):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class TestServices:
    def test_create_keeps_only_the_hash_and_a_short_prefix(self, user):
        token, key = api_token_create(user=user, name="báo cáo tháng")
        token.refresh_from_db()
        assert len(key) >= 43
        assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert token.prefix == key[:8] and len(token.prefix) < len(key) // 4
        stored = ApiToken.objects.values().get(pk=token.pk)
        assert not any(key in str(value) for value in stored.values())
        assert token.name == "báo cáo tháng" and token.is_active and token.last_used_at is None

    def test_every_key_is_new(self, user):
        keys = {api_token_create(user=user, name=f"t{i}")[1] for i in range(20)}
        assert len(keys) == 20

    def test_a_token_needs_a_name(self, user):
        with pytest.raises(ValidationError) as error:
            api_token_create(user=user, name="   ")
        assert "name" in error.value.message_dict
        assert not ApiToken.objects.exists()

    def test_the_key_finds_its_token_and_nothing_else_does(self, user):
        token, key = api_token_create(user=user, name="t")
        assert api_token_for_key(key) == token
        assert api_token_for_key(key[:-1]) is None
        assert api_token_for_key(token.key_hash) is None
        assert api_token_for_key("") is None
        assert api_token_for_key("x" * 10_000) is None

    def test_revoke_records_when_and_by_whom_once(self, user):
        admin = UserFactory(username="admin", role=Role.ADMIN)
        token, key = api_token_create(user=user, name="t")
        api_token_revoke(token=token, by=admin)
        token.refresh_from_db()
        first = token.revoked_at
        assert first is not None and token.revoked_by == admin and not token.is_active
        api_token_revoke(token=token, by=user)
        token.refresh_from_db()
        assert token.revoked_at == first and token.revoked_by == admin
        assert api_token_for_key(key) is None


class TestTokensPage:
    def test_requires_login(self, client, db):
        response = client.get(TOKENS_URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_is_linked_from_the_header(self, user_client):
        page = user_client.get(reverse("home")).content.decode()
        assert f'href="{TOKENS_URL}"' in page
        assert f'href="{reverse("accounts:password_change")}"' in page

    @pytest.mark.parametrize("role", [Role.LEADER, Role.ADMIN])
    def test_leaders_and_admins_find_tokens_in_the_menu_and_their_tokens_open_the_api(self, client, role):
        user = UserFactory(username=f"u-{role}", role=role, units=[UnitFactory(code="D")])
        client.force_login(user)
        assert f'href="{TOKENS_URL}"' in client.get(reverse("home")).content.decode()
        response = client.post(TOKENS_URL, {"name": "script"})
        assert response.status_code == 200
        key = re.search(r'id="new-key-value"[^>]*value="([^"]+)"', response.content.decode())[1]
        client.logout()
        api = client.get("/api/v1/kpi", {"unit": "D", "period": "2019"}, headers={"Authorization": f"Token {key}"})
        assert api.status_code == 200

    def test_a_clerk_has_no_token_menu_page_or_token(self, client):
        clerk = UserFactory(username="clerk", role=Role.CLERK, units=[UnitFactory(code="D")])
        client.force_login(clerk)
        assert f'href="{TOKENS_URL}"' not in client.get(reverse("home")).content.decode()
        assert client.get(TOKENS_URL).status_code == 403
        assert client.post(TOKENS_URL, {"name": "script"}).status_code == 403
        assert not clerk.api_tokens.exists()
        with pytest.raises(
            PermissionDenied, match="clerk is a clerk: only active leaders and administrators may use API tokens"
        ):
            api_token_create(user=clerk, name="script")

    def test_a_token_stops_working_when_its_leader_becomes_a_clerk(self, client):
        leader = UserFactory(username="was-leader", role=Role.LEADER, units=[UnitFactory(code="D")])
        _token, key = api_token_create(user=leader, name="script")
        leader.role = Role.CLERK
        leader.save()
        api = client.get("/api/v1/kpi", {"unit": "D", "period": "2019"}, headers={"Authorization": f"Token {key}"})
        assert api.status_code == 403
        assert "only leaders and administrators may use API tokens" in api.json()["error"]

    def test_lists_only_the_users_own_tokens(self, user_client, user):
        api_token_create(user=user, name="mine")
        api_token_create(user=UserFactory(username="other", role=Role.LEADER), name="someone else's")
        text = visible_text(user_client.get(TOKENS_URL))
        assert "mine" in text
        assert "someone else's" not in text

    def test_create_shows_the_key_once(self, user_client, user):
        response = user_client.post(TOKENS_URL, {"name": "tập lệnh báo cáo"})
        assert response.status_code == 200
        token = ApiToken.objects.get(user=user)
        key = re.search(r'id="new-key-value"[^>]*value="([^"]+)"', response.content.decode())[1]
        assert api_token_for_key(key) == token
        text = visible_text(response)
        assert "Token “tập lệnh báo cáo” created" in text
        assert "shown this once only" in text
        again = user_client.get(TOKENS_URL)
        assert key not in again.content.decode()
        assert f"{token.prefix}…" in visible_text(again)
        assert "no-store" in again["Cache-Control"]

    def test_the_new_key_opens_the_api(self, user_client, user):
        response = user_client.post(TOKENS_URL, {"name": "script"})
        key = re.search(r'id="new-key-value"[^>]*value="([^"]+)"', response.content.decode())[1]
        user_client.logout()
        api = user_client.get("/api/v1/kpi", {"unit": "D", "period": "2019"}, headers={"Authorization": f"Token {key}"})
        assert api.status_code == 200

    def test_a_nameless_token_is_refused_with_a_message(self, user_client, user):
        response = user_client.post(TOKENS_URL, {"name": ""})
        assert response.status_code == 400
        assert "Give the token a name, so you can tell it apart later." in visible_text(response)
        assert not ApiToken.objects.exists()

    def test_revoke(self, user_client, user):
        token, key = api_token_create(user=user, name="old script")
        response = user_client.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)
        assert response.redirect_chain == [(TOKENS_URL, 302)]
        assert "The token “old script” is revoked" in visible_text(response)
        token.refresh_from_db()
        assert token.revoked_by == user and not token.is_active
        assert api_token_for_key(key) is None
        assert "Revoked" in visible_text(response)

    def test_revoke_is_post_only(self, user_client, user):
        token, _ = api_token_create(user=user, name="t")
        assert user_client.get(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 405
        token.refresh_from_db()
        assert token.is_active

    def test_another_users_token_answers_404_and_stays_active(self, user_client):
        other, _ = api_token_create(user=UserFactory(username="other", role=Role.LEADER), name="theirs")
        response = user_client.post(reverse("accounts:api_token_revoke", args=[other.pk]))
        assert response.status_code == 404
        other.refresh_from_db()
        assert other.is_active

    def test_an_unknown_token_id_answers_404(self, user_client):
        assert user_client.post(reverse("accounts:api_token_revoke", args=[999999])).status_code == 404

    def test_the_page_is_vietnamese_by_default(self, client, user):
        client.force_login(user)
        response = client.get(TOKENS_URL)
        assert response.status_code == 200
        assert '<html lang="vi">' in response.content.decode()


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        return client

    def test_tokens_are_listed_read_only_without_keys(self, admin_client, user):
        token, key = api_token_create(user=user, name="t")
        assert admin_client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 200
        page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
        assert token.prefix in page and key not in page and token.key_hash not in page
        assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403

    def test_the_revoke_action(self, admin_client, user):
        first, _ = api_token_create(user=user, name="a")
        second, _ = api_token_create(user=user, name="b")
        response = admin_client.post(
            reverse("admin:accounts_apitoken_changelist"),
            {"action": "revoke", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )
        assert response.status_code == 200
        assert ApiToken.objects.active().count() == 0
        assert set(ApiToken.objects.values_list("revoked_by__username", flat=True)) == {"root"}

    def test_tokens_cannot_be_deleted(self, user):
        assert not admin_site._registry[ApiToken].has_delete_permission(None)

    def test_user_admin_edits_role_and_units(self, admin_client, user):
        page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert 'name="role"' in page and 'name="units"' in page
