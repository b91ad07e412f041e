"""Fill the public counts of a register that existed before them (ADR 0011)."""

from django.db import migrations


def fill(apps, schema_editor):
    # The service itself, not a copy: the counts must follow exactly the rule it maintains.
    from amparo.analytics.services import rebuild_public_counts

    rebuild_public_counts()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_public_counts")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
