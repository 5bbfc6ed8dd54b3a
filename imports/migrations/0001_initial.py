"""The import log, moved from the project package (app label `dvc_portal`, where it was created by that
app's migrations 0001 and 0002) into the imports app, without losing a record.

On a database made before the move, the table `dvc_portal_importrecord` exists with its rows: this
migration only takes the model into the imports app's state, then 0002 renames the table. On a new
database, the table is created here. The content type follows, so that permissions and admin log
entries keep pointing at the model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import imports.registry

OLD_TABLE = "dvc_portal_importrecord"


def create_table_unless_it_exists(apps, schema_editor):
    model = apps.get_model("imports", "ImportRecord")
    if OLD_TABLE not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)


def drop_table_unless_it_was_there(apps, schema_editor):
    """Backwards: the table stays (it holds the log), under its old name, as the project package had it."""


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="dvc_portal", model="importrecord").first()
    if old is not None and not ContentType.objects.filter(app_label="imports", model="importrecord").exists():
        old.app_label = "imports"
        old.save(update_fields=["app_label"])


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=imports.registry.kind_choices, max_length=20, verbose_name="kind")),
                        ("file_name", models.CharField(max_length=255, verbose_name="file name")),
                        ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                        ("size", models.PositiveBigIntegerField(default=0, verbose_name="size (bytes)")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                        ("source", models.CharField(choices=[("cli", "Command line"), ("page", "Import page"), ("admin", "Admin")], default="cli", max_length=10, verbose_name="source")),
                        ("dry_run", models.BooleanField(default=False, verbose_name="preview only")),
                        ("succeeded", models.BooleanField(default=False, verbose_name="succeeded")),
                        ("created", models.PositiveIntegerField(default=0, verbose_name="created")),
                        ("updated", models.PositiveIntegerField(default=0, verbose_name="updated")),
                        ("unchanged", models.PositiveIntegerField(default=0, verbose_name="unchanged")),
                        ("errors", models.PositiveIntegerField(default=0, verbose_name="errors")),
                        ("warnings", models.PositiveIntegerField(default=0, verbose_name="warnings")),
                        ("first_error", models.CharField(blank=True, max_length=500, verbose_name="first error")),
                        ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="import_records", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                    ],
                    options={
                        "verbose_name": "import",
                        "verbose_name_plural": "imports",
                        "ordering": ["-created_at", "-id"],
                        "db_table": OLD_TABLE,
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_table_unless_it_exists, drop_table_unless_it_was_there),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
