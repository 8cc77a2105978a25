"""The Django admin is platform support's tool: superusers on the platform's own host, and
nobody else, anywhere. Every list it shows loads, can be searched and filtered, and costs the
same number of queries whatever the number of rows."""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from ged.models import FolderTemplate, InboundAddress, InboundEmail, InboundStatus
from ged.services.inbound_addresses import inbound_address_folder_set, inbound_addresses_ensure
from ged.services.inbound_senders import inbound_policy_update
from partner_apps.models import AppKind, Delivery, DeliveryStatus, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import browser, host_of
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CabinetFactory,
    ClientFactory,
    CompanyFactory,
    InboundEmailFactory,
    SuperuserFactory,
    UserFactory,
)
from tests.ged.helpers import deposit, folder_at
from tests.tenancy.two_factor_helpers import enrolled, recovery_codes_of
from welyb_portal.tenancy.models import AuditEntry, CabinetDomain, Role, User
from welyb_portal.tenancy.services.audit import audit_record
from welyb_portal.tenancy.services.notifications import notifications_create

pytestmark = pytest.mark.django_db

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


# --- Who enters ----------------------------------------------------------------------------


def test_platform_support_logs_in_on_the_platform_host_and_reaches_the_index():
    support = SuperuserFactory(email="support@plateforme.fr")
    client = platform_browser()

    response = admin_login(client, "Support@Plateforme.fr", PASSWORD)

    assert response.status_code == 302
    assert response.url == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Support de la plateforme" in index.text
    assert int(client.session["_auth_user_id"]) == support.pk


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_cabinet_staff_credentials_are_refused_on_the_platform_host(world, role):
    member = getattr(world.a, role)
    client = platform_browser()

    response = admin_login(client, member.email, world.password)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("role", ["admin", "collaborator", "client"])
def test_cabinet_user_with_a_forced_session_does_not_enter_the_admin(world, role):
    client = platform_browser(getattr(world.a, role))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(ADMIN_LOGIN)
    user_list = client.get(changelist_url(User))
    assert user_list.status_code == 302
    assert user_list.url.startswith(ADMIN_LOGIN)


@pytest.mark.parametrize("path", ["/admin/", ADMIN_LOGIN, "/admin/tenancy/user/"])
def test_on_a_cabinet_host_the_admin_does_not_exist(world, path):
    for client in (Client(HTTP_HOST="alpha.localhost"), browser(world.a.admin)):
        response = client.get(path)
        assert response.status_code == 404
        assert "Django" not in response.text
        assert "Page introuvable" in response.text


def test_platform_support_cannot_log_in_on_a_cabinet_login_page(world):
    support = SuperuserFactory()
    client = Client(HTTP_HOST="alpha.localhost")

    response = client.post("/connexion/", {"username": support.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Identifiants invalides." in response.text
    assert not is_logged_in(client)


def test_platform_support_session_is_anonymous_on_a_cabinet_host(world):
    client = browser(SuperuserFactory(), cabinet=world.a.cabinet)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/connexion/")


# --- Every list loads, searches and filters ------------------------------------------------


@registered
def test_every_admin_list_loads_and_can_be_searched(world, model):
    client = platform_browser(SuperuserFactory())

    assert client.get(changelist_url(model)).status_code == 200
    searched = client.get(changelist_url(model), {"q": "x"})
    assert searched.status_code == 200
    assert searched.context["cl"].query == "x"


@registered
def test_every_admin_list_has_filters_and_a_search_box(model):
    model_admin = admin.site._registry[model]
    assert model_admin.list_filter, f"{model._meta.label}: give its admin a list_filter"
    assert model_admin.search_fields, f"{model._meta.label}: give its admin search_fields"


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


def _build_company_authorizations(n: int) -> None:
    achats = PartnerApp.objects.get(slug="inqom-achats")
    for _ in range(n):
        company = CompanyFactory()
        admin = AdminFactory(cabinet=company.cabinet)
        app_install(cabinet=company.cabinet, app=achats, by=admin)
        authorization_set(
            company=company,
            app=achats,
            enabled=True,
            collection_email=f"achat.entreprise-{company.pk}@inqombox.com",
            by=admin,
        )


def _achats_switched_on(company):
    """Inqom Achats installed, authorised for the company and switched on its Achats folder."""
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

FEW_ROWS = 3


@registered
def test_every_admin_list_costs_the_same_queries_for_3n_rows_as_for_n(model):
    label = model._meta.label
    build = ROW_BUILDERS.get(label)
    if build is None:
        pytest.fail(
            f"{label} is registered in the admin but has no row builder: add one to "
            "ROW_BUILDERS in tests/tenancy/test_admin.py so that its list is checked for N+1."
        )
    client = platform_browser(SuperuserFactory())
    url = changelist_url(model)

    build(FEW_ROWS)
    assert client.get(url).status_code == 200  # warms the caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    build(2 * FEW_ROWS)
    with CaptureQueriesContext(connection) as many:
        large = client.get(url)

    assert small.status_code == large.status_code == 200
    assert large.context["cl"].result_count > small.context["cl"].result_count
    assert len(many) == len(few), (
        f"{label}: {len(few)} queries for {small.context['cl'].result_count} rows, "
        f"{len(many)} for {large.context['cl'].result_count}:\n"
        + "\n".join(query["sql"] for query in many.captured_queries)
    )


# --- Change and add forms --------------------------------------------------------------------


def test_support_opens_a_users_change_form(world):
    client = platform_browser(SuperuserFactory())

    response = client.get(reverse("admin:tenancy_user_change", args=[world.a.client.pk]))

    assert response.status_code == 200
    assert world.a.client.email in response.text


def test_support_opens_a_cabinets_change_form(world):
    CabinetDomain.objects.create(cabinet=world.a.cabinet, domain="portail.cabinet-alpha.fr")
    client = platform_browser(SuperuserFactory())

    response = client.get(reverse("admin:tenancy_cabinet_change", args=[world.a.cabinet.pk]))

    assert response.status_code == 200
    assert "Cabinet Alpha" in response.text
    assert "portail.cabinet-alpha.fr" in response.text


def test_support_adds_a_cabinet_user_who_then_logs_in_on_the_cabinet_host(world):
    client = platform_browser(SuperuserFactory())

    response = client.post(
        reverse("admin:tenancy_user_add"),
        {
            "email": "Nouvelle.Collaboratrice@Alpha.fr",
            "cabinet": world.a.cabinet.pk,
            "role": Role.COLLABORATOR,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="nouvelle.collaboratrice@alpha.fr")
    assert user.cabinet == world.a.cabinet
    assert user.role == Role.COLLABORATOR
    assert not user.is_superuser
    cabinet_browser = Client(HTTP_HOST="alpha.localhost")
    login = cabinet_browser.post(
        "/connexion/", {"username": "nouvelle.collaboratrice@alpha.fr", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert login.url == "/"


def test_a_user_added_by_support_belongs_to_no_other_cabinet(world):
    client = platform_browser(SuperuserFactory())
    client.post(
        reverse("admin:tenancy_user_add"),
        {
            "email": "nouvel.admin@beta.fr",
            "cabinet": world.b.cabinet.pk,
            "role": Role.ADMIN,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    alpha = Client(HTTP_HOST="alpha.localhost")
    response = alpha.post(
        "/connexion/", {"username": "nouvel.admin@beta.fr", "password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "Identifiants invalides." in response.text


def test_users_change_form_shows_no_password_hash_to_edit(world):
    client = platform_browser(SuperuserFactory())
    url = reverse("admin:tenancy_user_change", args=[world.a.client.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="password"' not in page.text
    assert world.a.client.password not in page.text
    assert 'href="../password/"' in page.text


def test_a_password_typed_in_the_users_change_form_is_never_stored(world):
    client = platform_browser(SuperuserFactory())
    user = world.a.collaborator

    client.post(
        reverse("admin:tenancy_user_change", args=[user.pk]),
        {
            "email": user.email,
            "password": "mot-de-passe-en-clair",
            "cabinet": world.a.cabinet.pk,
            "role": user.role,
            "full_name": "Claire Collaboratrice",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    user.refresh_from_db()
    assert user.full_name == "Claire Collaboratrice"
    assert user.password != "mot-de-passe-en-clair"
    assert user.check_password(world.password)


def test_support_resets_a_cabinet_users_password(world):
    client = platform_browser(SuperuserFactory())

    response = client.post(
        reverse("admin:auth_user_password_change", args=[world.a.admin.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    login = Client(HTTP_HOST="alpha.localhost").post(
        "/connexion/", {"username": world.a.admin.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert login.url == "/"


def test_adding_a_user_without_a_cabinet_is_refused_with_a_message(world):
    client = platform_browser(SuperuserFactory())
    users_before = User.objects.count()

    response = client.post(
        reverse("admin:tenancy_user_add"),
        {
            "email": "sans.cabinet@exemple.fr",
            "cabinet": "",
            "role": "",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Ce champ est obligatoire." in errors["cabinet"]
    assert "Ce champ est obligatoire." in errors["role"]
    assert User.objects.count() == users_before


def test_support_cannot_turn_a_cabinet_user_into_platform_support(world):
    client = platform_browser(SuperuserFactory())
    user = world.a.collaborator

    response = client.post(
        reverse("admin:tenancy_user_change", args=[user.pk]),
        {
            "email": user.email,
            "cabinet": world.a.cabinet.pk,
            "role": user.role,
            "is_active": "on",
            "is_superuser": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_superuser


# --- The outbox ------------------------------------------------------------------------------


def _failed_delivery(company, name: str, message_id: str) -> Delivery:
    folder, admin = _achats_switched_on(company)
    document = deposit(folder, name=name, by=admin)
    delivery = Delivery.objects.get(document=document)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        reason="Adresse refusée par le serveur d'envoi (SMTP 550).",
        message_id=message_id,
        attempts=2,
    )
    delivery.refresh_from_db()
    return delivery


def test_support_finds_a_delivery_by_company_document_address_or_message_id(world):
    ours = _failed_delivery(world.a.company, "Facture Minoterie 0042.pdf", "<m-alpha@welyb.fr>")
    theirs = _failed_delivery(world.b.company, "Devis Menuiserie 7.pdf", "<m-beta@welyb.fr>")
    client = platform_browser(SuperuserFactory())

    def found(query: str) -> list[int]:
        response = client.get(changelist_url(Delivery), {"q": query})
        assert response.status_code == 200
        return [delivery.pk for delivery in response.context["cl"].result_list]

    assert found("Boulangerie Alpha") == [ours.pk]
    assert found("Minoterie") == [ours.pk]
    assert found(ours.target) == [ours.pk]
    assert found("m-alpha@welyb.fr") == [ours.pk]
    assert found("Menuiserie") == [theirs.pk]
    assert found("introuvable") == []
    assert sorted(found("")) == sorted([ours.pk, theirs.pk])


def test_support_retries_a_failed_delivery_with_the_admin_action(
    world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failed = _failed_delivery(world.a.company, "Facture Minoterie 0042.pdf", "<m-1@welyb.fr>")
    sent = _failed_delivery(world.a.other_company, "Facture Garage 12.pdf", "<m-2@welyb.fr>")
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT, reason="")
    support = SuperuserFactory()
    client = platform_browser(support)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            changelist_url(Delivery),
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["1 envoi relancé, 1 ignoré (ni en échec ni refusé)."]
    # Handed to the outbox once the action committed, and sent to the company's address.
    assert len(callbacks) == 1
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT
    assert failed.attempts == 1
    assert failed.reason == ""
    [email] = mail.outbox
    assert email.to == [failed.target]
    assert Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT
    entry = AuditEntry.objects.get(action="delivery.retried")
    assert entry.actor == support
    assert entry.cabinet == world.a.cabinet
    assert entry.data["old"]["status"] == DeliveryStatus.FAILED


def test_support_cannot_add_or_delete_a_delivery(world):
    delivery = _failed_delivery(world.a.company, "Facture Minoterie 0042.pdf", "<m-1@welyb.fr>")
    client = platform_browser(SuperuserFactory())

    change = client.get(reverse("admin:partner_apps_delivery_change", args=[delivery.pk]))

    assert change.status_code == 200
    assert "Facture Minoterie 0042.pdf" in change.text
    assert client.get(reverse("admin:partner_apps_delivery_add")).status_code == 403
    delete = reverse("admin:partner_apps_delivery_delete", args=[delivery.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Delivery.objects.filter(pk=delivery.pk).exists()


def test_support_reads_the_received_emails_without_changing_them(world):
    record = InboundEmailFactory(
        key="admin-read-only",
        esp="mailgun",
        company=world.a.company,
        subject="Facture Minoterie de mars",
    )
    client = platform_browser(SuperuserFactory())

    found = client.get(changelist_url(InboundEmail), {"q": "Minoterie"})
    change = client.get(reverse("admin:ged_inboundemail_change", args=[record.pk]))

    assert [email.pk for email in found.context["cl"].result_list] == [record.pk]
    assert change.status_code == 200
    assert "compta@fournisseur.fr" in change.text
    assert client.get(reverse("admin:ged_inboundemail_add")).status_code == 403
    client.post(
        reverse("admin:ged_inboundemail_change", args=[record.pk]),
        {"subject": "Modifié", "status": InboundStatus.DEPOSITED},
    )
    delete = reverse("admin:ged_inboundemail_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert (record.subject, record.status) == ("Facture Minoterie de mars", InboundStatus.REFUSED)


def test_support_cannot_add_an_inbound_address_nor_change_it(world):
    address = inbound_addresses_ensure(company=world.a.company)[0]
    client = platform_browser(SuperuserFactory())

    change = client.get(reverse("admin:ged_inboundaddress_change", args=[address.pk]))
    client.post(
        reverse("admin:ged_inboundaddress_change", args=[address.pk]),
        {"local_part": "devinee", "target": "ventes"},
    )

    assert change.status_code == 200
    assert address.local_part in change.text
    assert client.get(reverse("admin:ged_inboundaddress_add")).status_code == 403
    stored = InboundAddress.objects.get(pk=address.pk)
    assert (stored.local_part, stored.target) == (address.local_part, "achats")


# --- Two-factor authentication -----------------------------------------------------------------


def test_support_never_sees_the_secrets_of_authenticator_apps_nor_recovery_codes():
    assert not {TOTPDevice, StaticDevice, StaticToken} & set(admin.site._registry)


def test_support_takes_two_factor_away_from_someone_who_lost_their_phone_and_codes(world):
    enrolled(world.a.admin)
    support = SuperuserFactory()
    client = platform_browser(support)

    response = client.post(
        changelist_url(User),
        {"action": "remove_two_factor", "_selected_action": [world.a.admin.pk, world.a.client.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Double authentification retirée pour 1 utilisateur."]
    assert not TOTPDevice.objects.filter(user=world.a.admin).exists()
    assert recovery_codes_of(world.a.admin) == set()
    entry = AuditEntry.objects.get(action="two_factor.reset")
    assert (entry.actor, entry.cabinet, entry.target_id) == (
        support,
        world.a.cabinet,
        str(world.a.admin.pk),
    )
    # Their next login asks for the password alone.
    login = Client(HTTP_HOST=host_of(world.a.cabinet)).post(
        "/connexion/", {"username": world.a.admin.email, "password": PASSWORD}
    )
    assert login.url == "/"
