"""The legacy archive's bookkeeping models now belong to the legacy app.

State only: the tables stay where they are (the legacy models name them with
db_table), and legacy/migrations/0001 has already taken the models over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_revision_state"),
        ("legacy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ImportRun"),
                migrations.DeleteModel(name="LegacyImage"),
                migrations.DeleteModel(name="LegacyRejectedFile"),
                migrations.DeleteModel(name="LegacySource"),
            ],
        )
    ]
