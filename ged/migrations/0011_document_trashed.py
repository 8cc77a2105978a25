"""`document_trashed`: a cabinet's documents in the trash, by id, so that counting rows that
point at documents (the top bar's deliveries that need action) leaves out the trashed ones from
this small index (docs/benchmarks.md, « Platform scale »)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0010_document_cabinet"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("trashed_at__isnull", False)),
                fields=["cabinet", "id"],
                name="document_trashed",
            ),
        ),
    ]
