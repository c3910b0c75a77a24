# One import log for every importer of published files (Ofsted provider lists, DfE benchmark
# files). This creates it and moves the provider imports into it with their ids, which their
# change records point at; sufficiency 0005 moves the benchmark imports, and 0005 here points
# the change records at the log and drops the old table.
from django.core.management.color import no_style
from django.db import migrations, models

COLUMNS = [
    "id", "who", "imported_at", "file_name", "sha256", "kind", "rows", "added", "changed",
    "status", "message",
]  # fmt: skip


def copy_provider_imports(apps, schema_editor):
    # SQL, not the models: saving a model would stamp imported_at with today (auto_now_add).
    ImportLog = apps.get_model("placements", "ImportLog")
    ProviderImport = apps.get_model("placements", "ProviderImport")
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(ImportLog._meta.db_table)} ({quote('importer')}, {columns}) "
        f"SELECT %s, {columns} FROM {quote(ProviderImport._meta.db_table)} ORDER BY {quote('id')}",
        ["providers"],
    )
    # The ids were given, so the log's own numbering starts after them.
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [ImportLog]):
        schema_editor.execute(sql)


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
        # Back: the log is dropped, and placements 0005 has put the provider imports back.
        migrations.RunPython(copy_provider_imports, migrations.RunPython.noop),
    ]
