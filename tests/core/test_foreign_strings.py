"""The admin in Vietnamese, strings of Django's admin and of django-axes and django-tasks-db included
(core.foreign_strings, translated in locale/vi)."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.foreign_strings import STRINGS
from tests.factories import UserFactory

# The same in both languages.
SAME = {"HTTP Accept"}


def test_each_foreign_string_has_its_vietnamese():
    with translation.override("vi"):
        untranslated = [s for s in STRINGS if s not in SAME and translation.gettext(s) == s]
    assert not untranslated


@pytest.mark.django_db
def test_the_admin_index_is_vietnamese_throughout(client):
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    for english in (
        "Tasks Database Backend",
        "Task Results",
        "Access attempts",
        "Toggle theme",
        "Skip to main",
        ">Axes<",
    ):
        assert english not in html, english
    for vietnamese in (
        "Hàng đợi tác vụ",
        "Các tác vụ nền",
        "Khóa đăng nhập",
        "Các lượt đăng nhập",
        "Chuyển đến nội dung chính",
    ):
        assert vietnamese in html, vietnamese
