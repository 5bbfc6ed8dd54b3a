"""Fields (lĩnh vực) become a catalogue: each procedure's field name, until now free text, becomes a
Field row (one per distinct name, with a code made from the name) that the procedure points at."""

import re
import unicodedata

import django.db.models.deletion
from django.db import migrations, models


def _fold(name):
    text = " ".join(unicodedata.normalize("NFC", str(name or "")).split()).casefold()
    return text.removeprefix("lĩnh vực ").strip()


def _code(name):
    text = unicodedata.normalize("NFKD", _fold(name).replace("đ", "d")).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", text)).upper()[:40] or "LV"


def names_to_fields(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    Field = apps.get_model("procedures", "Field")
    by_name, codes = {}, set()
    for name in Procedure.objects.exclude(field_name="").values_list("field_name", flat=True).distinct():
        key = _fold(name)
        if key in by_name:
            continue
        code, n = _code(name), 1
        while code in codes:
            n += 1
            code = f"{_code(name)[:36]}-{n}"
        codes.add(code)
        by_name[key] = Field.objects.create(code=code, name=" ".join(name.split()))
    for procedure in Procedure.objects.exclude(field_name=""):
        procedure.field = by_name[_fold(procedure.field_name)]
        procedure.save(update_fields=["field"])


def fields_to_names(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    for procedure in Procedure.objects.filter(field__isnull=False).select_related("field"):
        procedure.field_name = procedure.field.name
        procedure.save(update_fields=["field_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0003_history_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Field",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=40, unique=True, verbose_name="field code")),
                ("name", models.CharField(max_length=255, verbose_name="name")),
            ],
            options={"verbose_name": "field", "verbose_name_plural": "fields", "ordering": ["name"]},
        ),
        migrations.RenameField(model_name="procedure", old_name="field", new_name="field_name"),
        migrations.AddField(
            model_name="procedure",
            name="field",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="procedures",
                to="procedures.field",
                verbose_name="field",
            ),
        ),
        migrations.RunPython(names_to_fields, fields_to_names),
        migrations.RemoveField(model_name="procedure", name="field_name"),
    ]
