from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...services.cabinets import cabinet_create


class Command(BaseCommand):
    help = "Crée un cabinet et son premier administrateur."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="sous-domaine: <slug>.<PORTAL_DOMAIN>")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--domain", help="domaine personnalisé, facultatif")

    def handle(self, *args, **options):
        try:
            cabinet = cabinet_create(
                slug=options["slug"],
                name=options["name"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                domain=options["domain"],
            )
        except ValidationError as error:
            options_of = {"admin_email": "--admin-email", "admin_password": "--admin-password"}
            lines = [
                f"{options_of.get(field, '--' + field)}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("\n".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Cabinet « {cabinet.name} » créé : {cabinet.absolute_url('/')}")
        )
