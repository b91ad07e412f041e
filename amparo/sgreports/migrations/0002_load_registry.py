from django.db import migrations


def load(apps, schema_editor):
    from amparo.sgreports.services import load_registry

    load_registry(
        apps.get_model("sgreports", "Report"), apps.get_model("sgreports", "HistoricalReport")
    )


class Migration(migrations.Migration):
    dependencies = [("sgreports", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
