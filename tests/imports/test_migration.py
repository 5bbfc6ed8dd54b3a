"""The import log moved from the project package to the imports app: a database made before the move
keeps every import record (imports/migrations/0001 and 0002)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from imports.models import ImportRecord

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes("imports"))


def test_an_existing_database_keeps_its_import_records():
    # Back to the state before the move: the table under the project package's name, as 0001 found it.
    migrate(("imports", None))
    tables = connection.introspection.table_names()
    assert "dvc_portal_importrecord" in tables and "imports_importrecord" not in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dvc_portal_importrecord (kind, file_name, sha256, size, created_at, source, dry_run,"
            " succeeded, created, updated, unchanged, errors, warnings, first_error)"
            " VALUES ('filings', 'bao-cao-2019.xlsx', 'abc', 10, CURRENT_TIMESTAMP, 'cli', %s, %s, 7, 0, 0, 0, 0, '')",
            [False, True],
        )
    ContentType.objects.filter(app_label="imports", model="importrecord").update(app_label="dvc_portal")

    migrate(None)  # forwards to the latest

    record = ImportRecord.objects.get()
    assert (record.kind, record.file_name, record.created, record.succeeded) == (
        "filings",
        "bao-cao-2019.xlsx",
        7,
        True,
    )
    assert "imports_importrecord" in connection.introspection.table_names()
    assert ContentType.objects.get_for_model(ImportRecord).app_label == "imports"
    assert not ContentType.objects.filter(app_label="dvc_portal").exists()
    # New records go on after the old ones.
    assert ImportRecord.objects.create(kind="units", file_name="x.xlsx").pk > record.pk
