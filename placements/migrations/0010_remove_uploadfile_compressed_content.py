# The whole-file column, once every file is in chunks (0009): a migration of its own, so that
# Postgres alters the table in a transaction without the copy's pending checks.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('placements', '0009_upload_files_kept_in_chunks'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='uploadfile',
            name='compressed_content',
        ),
    ]
