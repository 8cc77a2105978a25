"""The demo cabinet of `make run`: what a newcomer logs into on http://demo.localhost:8000/."""

from .models import Cabinet, Company, Membership, Role, User
from .services.cabinets import cabinet_create
from .services.companies import company_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "portail-demo-2026"  # noqa: S105 - public by design, printed by make run
DEMO_ADMIN = "admin@cabinet-demo.fr"
DEMO_COLLABORATOR = "collaborateur@cabinet-demo.fr"
DEMO_CLIENT = "client@boulangerie-martin.fr"
DEMO_ACCOUNTS = [
    ("Administrateur", DEMO_ADMIN, DEMO_PASSWORD),
    ("Collaborateur", DEMO_COLLABORATOR, DEMO_PASSWORD),
    ("Client", DEMO_CLIENT, DEMO_PASSWORD),
]
DEMO_COMPANIES = [
    ("Boulangerie Martin", "123456782"),
    ("Garage Durand", "987654324"),
    ("Studio Lumière", ""),
]


def _user(cabinet: Cabinet, email: str, role: str, full_name: str) -> User:
    user = User.objects.filter(cabinet=cabinet, email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, cabinet=cabinet, role=role, full_name=full_name
        )
    elif not user.full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name"])
    return user


def demo_seed() -> tuple[Cabinet, bool]:
    """Creates what is missing of the demo cabinet, and nothing twice: safe to run again."""
    cabinet = Cabinet.objects.filter(slug=DEMO_SLUG).first()
    created = cabinet is None
    if cabinet is None:
        cabinet = cabinet_create(
            slug=DEMO_SLUG,
            name="Cabinet Démo",
            admin_email=DEMO_ADMIN,
            admin_password=DEMO_PASSWORD,
        )
    admin = _user(cabinet, DEMO_ADMIN, Role.ADMIN, "Alice Admin")
    _user(cabinet, DEMO_COLLABORATOR, Role.COLLABORATOR, "Charles Collaborateur")
    for name, siren in DEMO_COMPANIES:
        if not Company.objects.filter(cabinet=cabinet, name=name).exists():
            company_create(cabinet=cabinet, name=name, siren=siren, by=admin)
    client = _user(cabinet, DEMO_CLIENT, Role.CLIENT, "Paul Martin")
    bakery = Company.objects.get(cabinet=cabinet, name=DEMO_COMPANIES[0][0])
    Membership.objects.get_or_create(user=client, company=bakery, defaults={"invited_by": admin})
    return cabinet, created
