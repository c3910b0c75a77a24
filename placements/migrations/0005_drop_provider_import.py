# The provider imports' change records point at the import log (0004), whose lines keep the
# provider imports' ids, and the provider imports' own table goes.
from django.core.management.color import no_style
from django.db import migrations, models

COLUMNS = [
    "id", "who", "imported_at", "file_name", "sha256", "kind", "rows", "added", "changed",
    "status", "message",
]  # fmt: skip


def copy_back_provider_imports(apps, schema_editor):
    ImportLog = apps.get_model("placements", "ImportLog")
    ProviderImport = apps.get_model("placements", "ProviderImport")
    quote = schema_editor.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(ProviderImport._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM {quote(ImportLog._meta.db_table)} "
        f"WHERE {quote('importer')} = %s ORDER BY {quote('id')}",
        ["providers"],
    )
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [ProviderImport]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("placements", "0004_import_log")]

    operations = [
        migrations.AlterField(
            model_name="providerchange",
            name="provider_import",
            field=models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="changes", to="placements.importlog"),
        ),
        # Back: the table is made again and refilled before the change records point at it.
        migrations.RunPython(migrations.RunPython.noop, copy_back_provider_imports),
        migrations.DeleteModel(name="ProviderImport"),
    ]
