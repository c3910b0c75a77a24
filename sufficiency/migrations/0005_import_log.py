# The benchmark imports move into the one import log (placements 0004), newest last as they
# were, and their own table goes.
from django.db import migrations

COLUMNS = ["who", "imported_at", "file_name", "sha256", "kind", "rows", "status", "message"]


def copy_benchmark_imports(apps, schema_editor):
    # SQL, not the models: saving a model would stamp imported_at with today (auto_now_add).
    ImportLog = apps.get_model("placements", "ImportLog")
    BenchmarkImport = apps.get_model("sufficiency", "BenchmarkImport")
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(ImportLog._meta.db_table)} "
        f"({quote('importer')}, {quote('added')}, {quote('changed')}, {columns}) "
        f"SELECT %s, 0, 0, {columns} FROM {quote(BenchmarkImport._meta.db_table)} "
        f"ORDER BY {quote('id')}",
        ["benchmarks"],
    )


def copy_back_benchmark_imports(apps, schema_editor):
    ImportLog = apps.get_model("placements", "ImportLog")
    BenchmarkImport = apps.get_model("sufficiency", "BenchmarkImport")
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(BenchmarkImport._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM {quote(ImportLog._meta.db_table)} "
        f"WHERE {quote('importer')} = %s ORDER BY {quote('id')}",
        ["benchmarks"],
    )
    ImportLog.objects.filter(importer="benchmarks").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sufficiency", "0004_published_flows_are_annual"),
        ("placements", "0004_import_log"),
    ]

    operations = [
        migrations.RunPython(copy_benchmark_imports, copy_back_benchmark_imports),
        migrations.DeleteModel(name="BenchmarkImport"),
    ]
