from django.db import migrations


class Migration(migrations.Migration):
    """The import log's table takes the imports app's name (it kept the project package's in 0001)."""

    dependencies = [("imports", "0001_initial")]

    operations = [migrations.AlterModelTable(name="importrecord", table=None)]
