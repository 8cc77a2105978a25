"""The operations commands platform support and `make run` use: `create_cabinet` and
`seed_demo`."""

import io
import re

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from welyb_portal.tenancy.models import (
    AuditEntry,
    Cabinet,
    CabinetDomain,
    Company,
    Membership,
    Role,
    User,
)

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Un mot de passe solide 2026"


def create_cabinet(**options) -> str:
    """Runs `manage.py create_cabinet` as support types it; returns what it printed."""
    arguments = {
        "slug": "dupont",
        "name": "Cabinet Dupont",
        "admin-email": "marie@cabinet-dupont.fr",
        "admin-password": STRONG_PASSWORD,
        **options,
    }
    argv = []
    for name, value in arguments.items():
        if value is not None:
            argv += [f"--{name}", value]
    out = io.StringIO()
    call_command("create_cabinet", *argv, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def logs_in(host: str, email: str, password: str) -> bool:
    response = Client(HTTP_HOST=host).post("/connexion/", {"username": email, "password": password})
    return response.status_code == 302 and response.url == "/"


def row_counts() -> dict[str, int]:
    """The number of rows of every table of the project."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


# --- create_cabinet ----------------------------------------------------------------------------


def test_create_cabinet_creates_the_cabinet_and_prints_its_address():
    output = create_cabinet()

    cabinet = Cabinet.objects.get(slug="dupont")
    assert cabinet.name == "Cabinet Dupont"
    assert cabinet.is_active
    assert "Cabinet Dupont" in output
    assert "http://dupont.localhost/" in output


def test_the_new_cabinets_admin_logs_in_on_its_subdomain():
    create_cabinet(**{"admin-email": "Marie@Cabinet-Dupont.fr"})

    admin = User.objects.get(email="marie@cabinet-dupont.fr")
    assert admin.cabinet.slug == "dupont"
    assert admin.role == Role.ADMIN
    assert not admin.is_superuser
    assert logs_in("dupont.localhost", "marie@cabinet-dupont.fr", STRONG_PASSWORD)


def test_the_new_cabinets_admin_does_not_log_in_elsewhere(world):
    create_cabinet()

    assert not logs_in("alpha.localhost", "marie@cabinet-dupont.fr", STRONG_PASSWORD)
    platform = Client(HTTP_HOST="localhost").post(
        "/admin/login/", {"username": "marie@cabinet-dupont.fr", "password": STRONG_PASSWORD}
    )
    assert platform.status_code == 200
    assert "_auth_user_id" not in platform.client.session


def test_the_optional_custom_domain_serves_the_new_cabinet():
    create_cabinet(domain="Portail.Cabinet-Dupont.fr")

    domain = CabinetDomain.objects.get(cabinet__slug="dupont")
    assert domain.domain == "portail.cabinet-dupont.fr"
    page = Client(HTTP_HOST="portail.cabinet-dupont.fr").get("/connexion/")
    assert page.status_code == 200
    assert "Cabinet Dupont" in page.text
    assert logs_in("portail.cabinet-dupont.fr", "marie@cabinet-dupont.fr", STRONG_PASSWORD)


def test_create_cabinet_leaves_an_audit_entry():
    create_cabinet(domain="portail.cabinet-dupont.fr")

    entry = AuditEntry.objects.get(action="cabinet.created")
    assert entry.cabinet.slug == "dupont"
    assert entry.data["slug"] == "dupont"
    assert entry.data["admin"] == "marie@cabinet-dupont.fr"
    assert entry.data["domain"] == "portail.cabinet-dupont.fr"


REFUSALS = {
    "invalid_slug": ({"slug": "Mon Cabinet"}, "Sous-domaine invalide"),
    "reserved_slug": ({"slug": "www"}, "Ce sous-domaine est réservé."),
    "slug_taken": ({"slug": "alpha"}, "Ce sous-domaine est déjà pris."),
    "weak_password": ({"admin-password": "1234"}, "Ce mot de passe est trop court"),
    "malformed_email": ({"admin-email": "marie@"}, "adresse e-mail valide"),
    "malformed_domain": ({"domain": "portail_dupont"}, "Nom de domaine invalide."),
}


@pytest.mark.parametrize(("options", "message"), list(REFUSALS.values()), ids=list(REFUSALS.keys()))
def test_create_cabinet_refuses_bad_input_with_a_french_message_and_writes_nothing(
    world, options, message
):
    before = row_counts()

    with pytest.raises(CommandError) as refusal:
        create_cabinet(**options)

    assert message in str(refusal.value)
    assert row_counts() == before


def test_create_cabinet_refuses_a_domain_that_serves_another_cabinet(world):
    CabinetDomain.objects.create(cabinet=world.a.cabinet, domain="portail.cabinet-alpha.fr")
    before = row_counts()

    with pytest.raises(CommandError) as refusal:
        create_cabinet(domain="portail.cabinet-alpha.fr")

    assert "existe déjà" in str(refusal.value)
    assert row_counts() == before
    page = Client(HTTP_HOST="portail.cabinet-alpha.fr").get("/connexion/")
    assert "Cabinet Alpha" in page.text


def test_create_cabinet_refuses_another_cabinets_address_as_custom_domain(world):
    before = row_counts()

    with pytest.raises(CommandError) as refusal:
        create_cabinet(domain="alpha.localhost")

    assert "domaine" in str(refusal.value)
    assert row_counts() == before


def test_create_cabinet_lists_every_refused_field_at_once():
    with pytest.raises(CommandError) as refusal:
        create_cabinet(slug="www", **{"admin-password": "1234", "admin-email": "marie@"})

    message = str(refusal.value)
    assert "Ce sous-domaine est réservé." in message
    assert "mot de passe" in message
    assert "adresse e-mail valide" in message
    assert not Cabinet.objects.exists()


# --- seed_demo ---------------------------------------------------------------------------------


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> list[tuple[str, str]]:
    """The (email, password) pairs the command printed for the newcomer."""
    return re.findall(r"(\S+@\S+)\s+mot de passe : (\S+)", output)


def test_seed_demo_creates_the_demo_cabinet_and_its_people():
    seed_demo()

    cabinet = Cabinet.objects.get(slug="demo")
    roles = dict(User.objects.filter(cabinet=cabinet).values_list("email", "role"))
    assert sorted(roles.values()) == sorted([Role.ADMIN, Role.COLLABORATOR, Role.CLIENT])
    assert Company.objects.filter(cabinet=cabinet).count() >= 2
    client = User.objects.get(cabinet=cabinet, role=Role.CLIENT)
    assert Membership.objects.filter(user=client, company__cabinet=cabinet).exists()


def test_seed_demo_prints_the_portal_address_and_three_logins():
    output = seed_demo()

    assert "http://demo.localhost/" in output
    logins = printed_logins(output)
    assert len(logins) == 3
    emails = {email for email, _password in logins}
    assert emails == set(User.objects.filter(cabinet__slug="demo").values_list("email", flat=True))


def test_every_printed_demo_login_logs_in_on_the_demo_host():
    logins = printed_logins(seed_demo())

    assert logins
    for email, password in logins:
        assert logs_in("demo.localhost", email, password), email


def test_running_seed_demo_twice_creates_nothing_more():
    seed_demo()
    after_first = row_counts()

    output = seed_demo()

    assert row_counts() == after_first
    assert "http://demo.localhost/" in output
    assert len(printed_logins(output)) == 3


def test_seed_demo_leaves_the_other_cabinets_alone(world):
    def people_and_companies():
        return {
            cabinet.slug: (cabinet.users.count(), cabinet.companies.count())
            for cabinet in Cabinet.objects.exclude(slug="demo")
        }

    before = people_and_companies()

    seed_demo()

    assert people_and_companies() == before
