"""Each document holds its company's cabinet: a cabinet-wide search reads the cabinet's own
newest live documents (`document_cabinet_date`) instead of the whole platform's, which took
262 ms at a million documents for a common word (docs/benchmarks.md, « Platform scale »).
Added nullable, filled from each document's company, then made required. The platform-wide
`document_live_date` goes: only that search read it (a company's search reads the company's
rows, bitmaps of its index and of the trigrams)."""

from django.db import migrations, models
import django.db.models.deletion

# One statement for the whole table on PostgreSQL; SQLite (3.33+ knows UPDATE … FROM, older
# ones do not) takes a correlated subquery, which any database runs.
FILL_POSTGRESQL = """
UPDATE ged_document AS document SET cabinet_id = company.cabinet_id
FROM tenancy_company AS company
WHERE company.id = document.company_id AND document.cabinet_id IS NULL
"""
FILL_PORTABLE = """
UPDATE ged_document SET cabinet_id = (
    SELECT company.cabinet_id FROM tenancy_company AS company
    WHERE company.id = ged_document.company_id
)
WHERE cabinet_id IS NULL
"""


def fill_cabinets(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(FILL_PORTABLE)
        return
    schema_editor.execute(FILL_POSTGRESQL)
    # The new foreign key is checked at commit: its checks run now, or PostgreSQL refuses the
    # ALTER TABLE that follows in this transaction (« pending trigger events »).
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Without statistics on the new column the planner takes each cabinet for 0.5 % of the
    # table and combines bitmaps (145 ms) instead of reading the cabinet's newest (20 ms).
    schema_editor.execute("ANALYZE ged_document")


class Migration(migrations.Migration):

    dependencies = [
        ('ged', '0009_document_folder_date_live'),
        ('tenancy', '0006_verbose_names_in_french'),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='cabinet',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.cabinet', verbose_name='cabinet'),
        ),
        migrations.RunPython(fill_cabinets, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='document',
            name='cabinet',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.cabinet', verbose_name='cabinet'),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(condition=models.Q(('trashed_at__isnull', True)), fields=['cabinet', '-deposited_at', '-id'], name='document_cabinet_date'),
        ),
        migrations.RemoveIndex(
            model_name='document',
            name='document_live_date',
        ),
    ]
