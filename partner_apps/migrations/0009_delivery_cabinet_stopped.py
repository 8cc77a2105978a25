"""`delivery_cabinet_stopped` replaces `delivery_cabinet_needs_action`: a cabinet's stopped,
undismissed deliveries in date order, with their document, company and reason beside them, from
which the top bar's count, « Envois à régler » and the API's `needs_action` list read
(docs/benchmarks.md, « Platform scale »). Small: the stopped rows are about 2 % of the table."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ged', '0011_document_trashed'),
        ('partner_apps', '0008_delivery_cabinet_needs_action'),
        ('tenancy', '0006_verbose_names_in_french'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='delivery',
            name='delivery_cabinet_needs_action',
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('dismissed_at__isnull', True), ('status__in', ('failed', 'bounced', 'skipped'))), fields=['cabinet', 'created_at', 'id'], include=('document', 'company', 'reason_code'), name='delivery_cabinet_stopped'),
        ),
    ]
