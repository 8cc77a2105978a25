"""The Django admin is platform support's tool: superusers on the platform's own host, and
nobody else, anywhere. Every list it shows loads, can be searched and filtered, and costs the
same number of queries whatever the number of rows."""

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ged.models import InboundAddress, InboundEmail, InboundStatus
from ged.services.inbound_addresses import inbound_addresses_ensure
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import browser, host_of
from tests.factories import (
    PASSWORD,
    InboundEmailFactory,
    SuperuserFactory,
)
from tests.helpers.admin import (
    ADMIN_LOGIN,
    NEW_PASSWORD,
    ROW_BUILDERS,
    _achats_switched_on,
    admin_login,
    changelist_url,
    is_logged_in,
    platform_browser,
    registered,
)
from tests.helpers.documents import deposit
from tests.helpers.two_factor import enrolled, recovery_codes_of
from welyb_portal.tenancy.models import AuditEntry, CabinetDomain, Role, User

pytestmark = pytest.mark.django_db


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
