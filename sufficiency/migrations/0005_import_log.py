# The benchmark imports move into the one import log (placements 0004), in the order they were
# made, and their own table goes.
from django.db import migrations

COLUMNS = ["who", "imported_at", "file_name", "sha256", "kind", "rows", "status", "message"]


def _copy(apps, schema_editor, *, into_log):
    # SQL, not the models: saving a model would stamp imported_at with today (auto_now_add).
    log = apps.get_model("placements", "ImportLog")._meta.db_table
    own = apps.get_model("sufficiency", "BenchmarkImport")._meta.db_table
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    if into_log:
        counts = f"{quote('importer')}, {quote('added')}, {quote('changed')}"
        sql = f"INSERT INTO {quote(log)} ({counts}, {columns}) SELECT %s, 0, 0, {columns} FROM {quote(own)}"
    else:
        sql = f"INSERT INTO {quote(own)} ({columns}) SELECT {columns} FROM {quote(log)} WHERE {quote('importer')} = %s"
    schema_editor.execute(f"{sql} ORDER BY {quote('id')}", ["benchmarks"])
    if not into_log:
        schema_editor.execute(f"DELETE FROM {quote(log)} WHERE {quote('importer')} = %s", ["benchmarks"])


def into_log(apps, schema_editor):
    _copy(apps, schema_editor, into_log=True)


def out_of_log(apps, schema_editor):
    _copy(apps, schema_editor, into_log=False)


class Migration(migrations.Migration):
    dependencies = [
        ("sufficiency", "0004_published_flows_are_annual"),
        ("placements", "0004_import_log"),
    ]

    operations = [
        migrations.RunPython(into_log, out_of_log),
        migrations.DeleteModel(name="BenchmarkImport"),
    ]
