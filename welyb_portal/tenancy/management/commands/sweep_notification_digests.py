from django.core.management.base import BaseCommand

from ...plurals import nplural
from ...services.digests import digests_sweep


class Command(BaseCommand):
    help = (
        "Renvoie aux workers les récapitulatifs de notifications dus que personne n'a envoyés "
        "(ce que Celery beat fait toutes les FAILURE_DIGEST_SWEEP_SECONDS secondes). Sans "
        "REDIS_URL, ils partent aussitôt."
    )

    def handle(self, *args, **options):
        count = digests_sweep()
        self.stdout.write(
            nplural("%(n)s récapitulatif relancé.", "%(n)s récapitulatifs relancés.", count)
            % {"n": count}
        )
