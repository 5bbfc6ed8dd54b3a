"""Offerings get the department responsible for them (optional): a department under the same district
or province as the offering's unit (procedures.rules)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0004_field_catalogue'),
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaloffering',
            name='department',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='A department under the same district or province as the unit.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='responsible department'),
        ),
        migrations.AddField(
            model_name='offering',
            name='department',
            field=models.ForeignKey(blank=True, help_text='A department under the same district or province as the unit.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='responsible_offerings', to='units.unit', verbose_name='responsible department'),
        ),
    ]
