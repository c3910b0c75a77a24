# The whole-file column, once every file is in chunks (0009): a migration of its own, so that
# Postgres alters the table in a transaction without the copy's pending checks (undone, 0009
# puts each file's chunks back into the column).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('placements', '0009_upload_files_kept_in_chunks'),
    ]

    operations = [
        # A default first, so that undoing this adds the column back to rows that have one.
        migrations.AlterField(
            model_name='uploadfile',
            name='compressed_content',
            field=models.BinaryField(default=b''),
        ),
        migrations.RemoveField(
            model_name='uploadfile',
            name='compressed_content',
        ),
    ]
