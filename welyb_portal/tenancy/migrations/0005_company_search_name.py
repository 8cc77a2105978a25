"""Companies are searched by their name's key (welyb_portal/tenancy/search.py), as documents
are: the key of every existing company. No trigram index: a search reads one cabinet's
companies, which its index on (cabinet, name) finds."""

from django.db import migrations, models

from welyb_portal.tenancy.search import search_key


def fill_keys(apps, schema_editor):
    Company = apps.get_model("tenancy", "Company")
    companies = list(Company.objects.using(schema_editor.connection.alias).only("id", "name"))
    for company in companies:
        company.search_name = search_key(company.name)
    Company.objects.bulk_update(companies, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0004_cabinet_require_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
