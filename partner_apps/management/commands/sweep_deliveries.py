from django.core.management.base import BaseCommand

from welyb_portal.tenancy.plurals import nplural

from ...services.outbox import deliveries_sweep


class Command(BaseCommand):
    help = (
        "Renvoie aux workers les envois dus jamais pris en charge (ce que Celery beat fait toutes "
        "les DELIVERY_SWEEP_SECONDS secondes). Sans REDIS_URL, les envois partent aussitôt."
    )

    def handle(self, *args, **options):
        count = deliveries_sweep()
        self.stdout.write(
            nplural("%(n)s envoi relancé.", "%(n)s envois relancés.", count) % {"n": count}
        )
