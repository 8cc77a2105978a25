from django.db import migrations


def seed(apps, schema_editor):
    from inqom_connector.catalogue import catalogue_seed

    catalogue_seed(apps.get_model("partner_apps", "PartnerApp"))


class Migration(migrations.Migration):
    """The five Inqom apps of the store (Inqom, Inqom Achats, Ventes, NDF, Administratif)."""

    dependencies = [("partner_apps", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
