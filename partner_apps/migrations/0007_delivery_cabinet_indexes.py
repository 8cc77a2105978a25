"""The indexes on the delivery's cabinet (docs/benchmarks.md, « Platform scale »), built once
0006's UPDATE has committed: `delivery_cabinet_date`, from which a cabinet's send history and
chart read one range, and `delivery_cabinet_attention`, the history's order (failures first)
with the cabinet (and `delivery_company_attention`, with the company): its first page is read
in order, not sorted out of all the cabinet's (or company's)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partner_apps", "0006_delivery_cabinet"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["cabinet", "-created_at", "-id", "status", "app"],
                name="delivery_cabinet_date",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                models.F("cabinet"),
                models.Case(
                    models.When(status__in=["failed", "bounced"], then=models.Value(0)),
                    models.When(status__in=["retrying", "skipped"], then=models.Value(1)),
                    default=models.Value(2),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                models.F("status"),
                models.F("app"),
                name="delivery_cabinet_attention",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                models.F("company"),
                models.Case(
                    models.When(status__in=["failed", "bounced"], then=models.Value(0)),
                    models.When(status__in=["retrying", "skipped"], then=models.Value(1)),
                    default=models.Value(2),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                models.F("status"),
                models.F("app"),
                name="delivery_company_attention",
            ),
        ),
    ]
