# Upload's counters were named for the 903 extract, and carers and costs uploads kept their
# households and costs in episodes_*. The renames keep every stored count; a carers upload's
# deregistered households move from children_count (a carers extract lists no children) to
# deregistered_count.
from django.db import migrations, models
from django.db.models import F

RENAMED = {
    "episodes_count": "rows_count",
    "episodes_added": "rows_added",
    "episodes_updated": "rows_updated",
    "episodes_removed": "rows_removed",
}


def forwards(apps, schema_editor):
    Upload = apps.get_model("placements", "Upload")
    Upload.objects.filter(kind="carers").update(
        deregistered_count=F("children_count"), children_count=0
    )


def backwards(apps, schema_editor):
    Upload = apps.get_model("placements", "Upload")
    Upload.objects.filter(kind="carers").update(children_count=F("deregistered_count"))


class Migration(migrations.Migration):
    dependencies = [("placements", "0003_problem_id_fits_carer_ids")]

    operations = [
        *(
            migrations.RenameField(model_name="upload", old_name=old, new_name=new)
            for old, new in RENAMED.items()
        ),
        migrations.AddField(
            model_name="upload",
            name="deregistered_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(forwards, backwards),
    ]
