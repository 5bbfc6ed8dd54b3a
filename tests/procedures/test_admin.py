"""The admin's procedure list: searched by code, name, or the field's code or name."""

import pytest
from django.urls import reverse

from tests.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


def test_procedures_are_found_by_their_fields_name_or_code(admin_client):
    civil = FieldFactory(code="G09.HT", name="Hộ tịch")
    ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=civil)
    ProcedureFactory(code="2.000908", name="Chứng thực bản sao", field=FieldFactory(code="G09.CT", name="Chứng thực"))
    url = reverse("admin:procedures_procedure_changelist")
    for query in ("Hộ tịch", "G09.HT", "khai sinh"):
        page = admin_client.get(url, {"q": query})
        assert page.status_code == 200
        html = page.content.decode()
        assert "1.001193" in html and "2.000908" not in html, query
