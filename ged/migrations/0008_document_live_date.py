"""A search across a cabinet: the newest live documents in order (the index), and on
PostgreSQL statistics fine enough on the names' keys for the planner to tell a frequent word,
best read in that order, from a rare one, best found through the trigram index: with the
default 100 histogram entries, a word in one name of 400 looks like one in 100, and the
ordered read of a million rows wins on paper and loses by 200 ms."""

from django.db import migrations, models

NAME_STATISTICS = 1000


def refine_name_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE ged_document ALTER COLUMN search_name SET STATISTICS {NAME_STATISTICS}"
        )


def default_name_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ged_document ALTER COLUMN search_name SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0007_verbose_names_in_french"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("trashed_at__isnull", True)),
                fields=["-deposited_at", "-id"],
                name="document_live_date",
            ),
        ),
        migrations.RunPython(refine_name_statistics, default_name_statistics),
    ]
