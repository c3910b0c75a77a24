# One import log for every importer of published files (Ofsted provider lists, DfE benchmark
# files). The provider imports move into it with their ids, so that their change records point
# at the same lines; sufficiency 0005 moves the benchmark imports.
from django.core.management.color import no_style
from django.db import migrations, models

COLUMNS = [
    "id", "who", "imported_at", "file_name", "sha256", "kind", "rows", "added", "changed",
    "status", "message",
]  # fmt: skip


def _copy(schema_editor, source, target, *, into_log):
    # SQL, not the models: saving a model would stamp imported_at with today (auto_now_add).
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    if into_log:
        sql = (
            f"INSERT INTO {quote(target._meta.db_table)} ({quote('importer')}, {columns}) "
            f"SELECT %s, {columns} FROM {quote(source._meta.db_table)}"
        )
    else:
        sql = (
            f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
            f"SELECT {columns} FROM {quote(source._meta.db_table)} WHERE {quote('importer')} = %s"
        )
    schema_editor.execute(f"{sql} ORDER BY {quote('id')}", ["providers"])
    # The ids were given, so the table's own numbering has to start after them.
    for reset in schema_editor.connection.ops.sequence_reset_sql(no_style(), [target]):
        schema_editor.execute(reset)


def into_log(apps, schema_editor):
    old, log = apps.get_model("placements", "ProviderImport"), apps.get_model("placements", "ImportLog")
    _copy(schema_editor, old, log, into_log=True)


def out_of_log(apps, schema_editor):
    old, log = apps.get_model("placements", "ProviderImport"), apps.get_model("placements", "ImportLog")
    _copy(schema_editor, log, old, into_log=False)


class Migration(migrations.Migration):
    dependencies = [("placements", "0003_problem_id_fits_carer_ids")]

    operations = [
        migrations.CreateModel(
            name="ImportLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("importer", models.CharField(choices=[("providers", "Ofsted provider list"), ("benchmarks", "DfE published figures")], max_length=20)),
                ("who", models.CharField(blank=True, max_length=150)),
                ("imported_at", models.DateTimeField(auto_now_add=True)),
                ("file_name", models.CharField(max_length=255)),
                ("sha256", models.CharField(max_length=64)),
                ("kind", models.CharField(blank=True, help_text="The layout the importer recognised the file as.", max_length=40)),
                ("rows", models.PositiveIntegerField(default=0)),
                ("added", models.PositiveIntegerField(default=0, help_text="Provider lists: new providers.")),
                ("changed", models.PositiveIntegerField(default=0, help_text="Provider lists: providers with a field changed.")),
                ("status", models.CharField(choices=[("done", "Done"), ("refused", "Refused")], max_length=10)),
                ("message", models.TextField(blank=True)),
            ],
            options={"ordering": ["-imported_at", "-id"]},
        ),
        migrations.RunPython(into_log, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="providerchange",
            name="provider_import",
            field=models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="changes", to="placements.importlog"),
        ),
        # Back: the old table is made again and refilled before the change records point at it.
        migrations.RunPython(migrations.RunPython.noop, out_of_log),
        migrations.DeleteModel(name="ProviderImport"),
    ]
