from django.core.management.base import BaseCommand

from ...services.outbox import deliveries_sweep


class Command(BaseCommand):
    help = (
        "Renvoie aux workers les envois dus jamais pris en charge (ce que Celery beat fait toutes "
        "les DELIVERY_SWEEP_SECONDS secondes). Sans REDIS_URL, les envois partent aussitôt."
    )

    def handle(self, *args, **options):
        count = deliveries_sweep()
        self.stdout.write(f"{count} envoi(s) relancé(s).")
