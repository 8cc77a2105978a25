"""The Django admin as platform support sees it: its registered models, a browser on the platform's
host, and one row builder per model. tests/test_admin.py and tests/test_admin_french.py use them."""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from ged.models import FolderTemplate, InboundEmail
from ged.services.inbound_addresses import inbound_address_folder_set, inbound_addresses_ensure
from ged.services.inbound_senders import inbound_policy_update
from partner_apps.models import AppKind, Delivery, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import host_of
from tests.factories import (
    AdminFactory,
    CabinetFactory,
    ClientFactory,
    CompanyFactory,
    InboundEmailFactory,
    SuperuserFactory,
    UserFactory,
)
from tests.helpers.documents import deposit, folder_at
from welyb_portal.tenancy.models import AuditEntry, CabinetDomain, User
from welyb_portal.tenancy.services.audit import audit_record
from welyb_portal.tenancy.services.notifications import notifications_create

# --- No N+1 on any list --------------------------------------------------------------------
# One builder per registered model, keyed by label: `build(n)` adds n rows to that model's list,
# with the related rows its columns show. A newly registered model fails until it has one.

FIXED_DATE = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def _build_cabinets(n: int) -> None:
    for _ in range(n):
        cabinet = CabinetFactory()
        CompanyFactory(cabinet=cabinet)
        AdminFactory(cabinet=cabinet)
        CabinetDomain.objects.create(cabinet=cabinet, domain=f"portail.{cabinet.slug}.fr")


def _build_domains(n: int) -> None:
    for _ in range(n):
        cabinet = CabinetFactory()
        CabinetDomain.objects.create(cabinet=cabinet, domain=f"docs.{cabinet.slug}.fr")


def _build_companies(n: int) -> None:
    for _ in range(n):
        ClientFactory(companies=[CompanyFactory()])


def _build_users(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        AdminFactory(cabinet=company.cabinet)
        ClientFactory(cabinet=company.cabinet, companies=[company])
        SuperuserFactory()


def _build_memberships(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        ClientFactory(cabinet=company.cabinet, companies=[company])


def _build_audit_entries(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        actor = AdminFactory(cabinet=company.cabinet)
        audit_record(cabinet=company.cabinet, actor=actor, action="company.created", target=company)
    # The date hierarchy adapts to the dates it finds: keep them all on one day.
    AuditEntry.objects.update(created_at=FIXED_DATE)


def _build_tokens(n: int) -> None:
    for _ in range(n):
        Token.objects.create(user=UserFactory())


def _build_folders(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        folder_at(company, "Dossier comptable annuel 2026/Achats")


def _build_documents(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        deposit(folder_at(company, "Achats"), by=AdminFactory(cabinet=company.cabinet))


def _build_folder_templates(n: int) -> None:
    for _ in range(n):
        FolderTemplate.objects.create(cabinet=CabinetFactory(), annual_subfolders=["Achats"])


_extra_apps = itertools.count(1)


def _build_partner_apps(n: int) -> None:
    # The migration seeded the five Inqom apps; these come on top, each installed somewhere
    # (the list counts installations).
    for _ in range(n):
        number = next(_extra_apps)
        app = PartnerApp.objects.create(
            slug=f"partenaire-{number}",
            name=f"Partenaire {number}",
            kind=AppKind.LINK,
            description="Une application de test.",
            position=100 + number,
        )
        cabinet = CabinetFactory()
        app_install(cabinet=cabinet, app=app, by=AdminFactory(cabinet=cabinet))


def _build_cabinet_apps(n: int) -> None:
    inqom = PartnerApp.objects.get(slug="inqom")
    for _ in range(n):
        cabinet = CabinetFactory()
        app_install(cabinet=cabinet, app=inqom, by=AdminFactory(cabinet=cabinet))


def _achats_authorized(company):
    """Inqom Achats installed in the company's cabinet (by a new admin) and authorised for the
    company; returns the app and that admin."""
    achats = PartnerApp.objects.get(slug="inqom-achats")
    admin = AdminFactory(cabinet=company.cabinet)
    app_install(cabinet=company.cabinet, app=achats, by=admin)
    authorization_set(
        company=company,
        app=achats,
        enabled=True,
        collection_email=f"achat.entreprise-{company.pk}@inqombox.com",
        by=admin,
    )
    return achats, admin


def _build_company_authorizations(n: int) -> None:
    for _ in range(n):
        _achats_authorized(CompanyFactory())


def _achats_switched_on(company):
    """Inqom Achats installed, authorised for the company and switched on its Achats folder."""
    achats, admin = _achats_authorized(company)
    folder = folder_at(company, "Dossier comptable annuel 2026/Achats")
    automation_set(folder=folder, app=achats, enabled=True, by=admin)
    return folder, admin


def _build_folder_automations(n: int) -> None:
    for _ in range(n):
        _achats_switched_on(CompanyFactory())


def _build_deliveries(n: int) -> None:
    for _ in range(n):
        folder, admin = _achats_switched_on(CompanyFactory())
        deposit(folder, by=admin)
    # The date hierarchy adapts to the dates it finds: keep them all on one day.
    Delivery.objects.update(created_at=FIXED_DATE)


def _build_inbound_addresses(n: int) -> None:
    # Four addresses a company; one of them points at a folder staff chose.
    for _ in range(n):
        company = CompanyFactory()
        achats = inbound_addresses_ensure(company=company)[0]
        inbound_address_folder_set(
            address=achats,
            folder=folder_at(company, "Fournisseurs"),
            by=AdminFactory(cabinet=company.cabinet),
        )


def _build_inbound_policies(n: int) -> None:
    for number in range(n):
        company = CompanyFactory()
        inbound_policy_update(
            company=company,
            accept_anyone=number % 2 == 0,
            allowed_senders="compta@fournisseur.fr\n@cabinet-ami.fr",
            send_receipt=True,
            by=AdminFactory(cabinet=company.cabinet),
        )


_inbound_keys = itertools.count(1)


def _build_inbound_emails(n: int) -> None:
    for _ in range(n):
        company = CompanyFactory()
        address = inbound_addresses_ensure(company=company)[0]
        InboundEmailFactory(key=f"admin-{next(_inbound_keys)}", esp="mailgun", address=address)
        # An email to no known address belongs to no company.
        InboundEmailFactory(
            key=f"admin-{next(_inbound_keys)}",
            esp="postmark",
            recipient="inconnue@depot.localhost",
            sender="robot@ailleurs.fr",
            subject="",
            reason="Adresse de dépôt inconnue (ou régénérée depuis).",
        )
    # The date hierarchy adapts to the dates it finds: keep them all on one day.
    InboundEmail.objects.update(received_at=FIXED_DATE)


def _build_access_attempts(n: int) -> None:
    # Failed logins being counted (django-axes): one wrong password on another cabinet each.
    for _ in range(n):
        cabinet = CabinetFactory()
        Client(HTTP_HOST=host_of(cabinet)).post(
            "/connexion/", {"username": "personne@inconnu.fr", "password": "pas le bon"}
        )
    # The date hierarchy adapts to the dates it finds: keep them all on one day.
    AccessAttempt.objects.update(attempt_time=FIXED_DATE)


def _build_notification_digests(n: int) -> None:
    # The digest each new cabinet's admin gets of its first notification.
    for _ in range(n):
        cabinet = AdminFactory().cabinet
        notifications_create(cabinet=cabinet, kind="test", text="Une alerte.", url="/")


ROW_BUILDERS = {
    "tenancy.Cabinet": _build_cabinets,
    "tenancy.CabinetDomain": _build_domains,
    "tenancy.Company": _build_companies,
    "tenancy.User": _build_users,
    "tenancy.Membership": _build_memberships,
    "tenancy.AuditEntry": _build_audit_entries,
    "authtoken.TokenProxy": _build_tokens,
    "ged.Folder": _build_folders,
    "ged.Document": _build_documents,
    "ged.FolderTemplate": _build_folder_templates,
    "ged.InboundAddress": _build_inbound_addresses,
    "ged.InboundPolicy": _build_inbound_policies,
    "ged.InboundEmail": _build_inbound_emails,
    "partner_apps.PartnerApp": _build_partner_apps,
    "partner_apps.CabinetApp": _build_cabinet_apps,
    "partner_apps.CompanyAuthorization": _build_company_authorizations,
    "partner_apps.FolderAutomation": _build_folder_automations,
    "partner_apps.Delivery": _build_deliveries,
    "axes.AccessAttempt": _build_access_attempts,
    "tenancy.NotificationDigest": _build_notification_digests,
}


PLATFORM_HOST = "localhost"
ADMIN_LOGIN = "/admin/login/"
NEW_PASSWORD = "Un mot de passe solide 2026"


def platform_browser(user: User | None = None) -> Client:
    """A browser on the platform's own host, logged in as `user` when given."""
    client = Client(HTTP_HOST=PLATFORM_HOST)
    if user is not None:
        client.force_login(user)
    return client


def admin_login(client: Client, email: str, password: str):
    return client.post(
        f"{ADMIN_LOGIN}?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
    )


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# The registry is read when tests are collected (Django is set up by then), so a model
# registered tomorrow gets its own test cases without anyone touching this file.
REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def registered(test):
    return pytest.mark.parametrize(
        "model", REGISTERED_MODELS, ids=[model._meta.label for model in REGISTERED_MODELS]
    )(test)
