"""`delivery_cabinet_needs_action`: a cabinet's stopped, undismissed deliveries with their
documents' ids, from which the top bar's « Envois à régler » count reads on every page
(docs/benchmarks.md, « Platform scale »)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0011_document_trashed"),
        ("partner_apps", "0007_delivery_cabinet_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(
                    ("dismissed_at__isnull", True), ("status__in", ("failed", "bounced", "skipped"))
                ),
                fields=["cabinet", "document"],
                name="delivery_cabinet_needs_action",
            ),
        ),
    ]
