from django.core.management.base import BaseCommand
from django.db import transaction

from ...demo import DEMO_ACCOUNTS, demo_seed


class Command(BaseCommand):
    help = "Crée le cabinet de démonstration (sans effet s'il existe déjà)."

    def handle(self, *args, **options):
        with transaction.atomic():
            cabinet, created = demo_seed()
        verb = "créé" if created else "déjà présent"
        self.stdout.write(self.style.SUCCESS(f"Cabinet de démonstration {verb}."))
        self.stdout.write(f"\n  Portail : {cabinet.absolute_url('/')}\n")
        for label, email, password in DEMO_ACCOUNTS:
            self.stdout.write(f"  {label:<14} {email:<28} mot de passe : {password}")
        self.stdout.write("")
