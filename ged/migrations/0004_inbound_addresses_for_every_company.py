"""Every company gets its four deposit addresses when it is created; those created before that
rule get theirs here, so that no page or selector has to create them on a read."""

import base64
import secrets

from django.db import migrations
from django.utils.text import slugify

TARGETS = ("achats", "ventes", "ndf", "a-classer")


def local_part(company_name: str, target: str) -> str:
    # As ged.services.inbound_addresses makes them: readable, and 60 random bits.
    token = base64.b32encode(secrets.token_bytes(8)).decode().rstrip("=").lower()
    name = slugify(company_name)[:24].strip("-") or "entreprise"
    return f"{name}-{target}-{token}"[:64]


def addresses_for_every_company(apps, schema_editor):
    Company = apps.get_model("tenancy", "Company")
    InboundAddress = apps.get_model("ged", "InboundAddress")
    existing = set(InboundAddress.objects.values_list("company_id", "target"))
    InboundAddress.objects.bulk_create(
        [
            InboundAddress(
                company_id=company.pk, target=target, local_part=local_part(company.name, target)
            )
            for company in Company.objects.only("pk", "name").iterator()
            for target in TARGETS
            if (company.pk, target) not in existing
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0003_inbound_authentication"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(addresses_for_every_company, migrations.RunPython.noop)]
