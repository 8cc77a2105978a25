"""Each delivery knows its cabinet (its company's), so that a cabinet's send history reads one
range of `delivery_cabinet_date` instead of one per company (docs/benchmarks.md, « Platform
scale »). The column comes without its constraint, is filled by one UPDATE, and only then
becomes NOT NULL with its foreign key: checked once by PostgreSQL, with no row-by-row trigger
queued by the UPDATE. Its index comes in the next migration, once the UPDATE has committed:
built in the same transaction, it held every row's old version too (twice its size).

The UPDATE writes a new version of every delivery, and each index gets an entry for it: after
the migration the table and its indexes are about twice their size (a million deliveries: 252
MB to 512 MB, `delivery_company_date` 63 to 126 MB) until `VACUUM FULL partner_apps_delivery`
(or pg_repack, without the lock) compacts them; autovacuum makes the space reusable, not
smaller."""

import django.db.models.deletion
from django.db import migrations, models

FILL_ON_POSTGRESQL = """
    UPDATE partner_apps_delivery AS delivery
    SET cabinet_id = company.cabinet_id
    FROM tenancy_company AS company
    WHERE company.id = delivery.company_id
"""
FILL_ELSEWHERE = """
    UPDATE partner_apps_delivery
    SET cabinet_id = (
        SELECT cabinet_id FROM tenancy_company
        WHERE tenancy_company.id = partner_apps_delivery.company_id
    )
"""


def fill_cabinets(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(FILL_ON_POSTGRESQL if vendor == "postgresql" else FILL_ELSEWHERE)


class Migration(migrations.Migration):
    dependencies = [
        ("partner_apps", "0005_delivery_indexes_at_scale"),
        ("tenancy", "0006_verbose_names_in_french"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="cabinet",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="tenancy.cabinet",
                verbose_name="cabinet",
            ),
        ),
        migrations.RunPython(fill_cabinets, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="delivery",
            name="cabinet",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="tenancy.cabinet",
                verbose_name="cabinet",
            ),
        ),
    ]
