# The DfE's published annual starters/ceased figures count children over the year, the
# definition of starters_12m / ceased_12m; they were first stored under the monthly keys.
from django.db import migrations

RENAMED = {"starters": "starters_12m", "ceased": "ceased_12m"}


def forwards(apps, schema_editor):
    PublishedValue = apps.get_model("sufficiency", "PublishedValue")
    for old, new in RENAMED.items():
        PublishedValue.objects.filter(indicator=new).delete()
        PublishedValue.objects.filter(indicator=old).update(indicator=new)


def backwards(apps, schema_editor):
    PublishedValue = apps.get_model("sufficiency", "PublishedValue")
    for old, new in RENAMED.items():
        PublishedValue.objects.filter(indicator=new).update(indicator=old)


class Migration(migrations.Migration):
    dependencies = [("sufficiency", "0003_targets_commentary")]

    operations = [migrations.RunPython(forwards, backwards)]
