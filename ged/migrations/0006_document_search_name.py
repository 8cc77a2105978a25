"""Documents are searched by their name's key (welyb_portal/tenancy/search.py): the key of every
existing document, and on PostgreSQL a trigram index that serves `LIKE '%…%'` on it."""

from django.db import migrations, models

from welyb_portal.tenancy.search import search_key

BATCH = 2000
TRIGRAM_INDEX = "document_search_name_trgm"


def fill_keys(apps, schema_editor):
    Document = apps.get_model("ged", "Document")
    documents = Document.objects.using(schema_editor.connection.alias).only("id", "name")
    batch = []
    for document in documents.order_by("id").iterator(chunk_size=BATCH):
        document.search_name = search_key(document.name)
        batch.append(document)
        if len(batch) == BATCH:
            Document.objects.bulk_update(batch, ["search_name"])
            batch = []
    Document.objects.bulk_update(batch, ["search_name"])


def create_trigram_index(apps, schema_editor):
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    # SQLite has no such index: a search there reads the table, with the same results.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON ged_document "
            "USING gin (search_name gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0005_document_company_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
