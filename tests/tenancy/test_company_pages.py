"""Cabinet staff list, search, create and edit their companies, and give clients access."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import browser, host_of
from tests.factories import CompanyFactory, valid_siren
from tests.pages import readable, text_of
from welyb_portal.tenancy.models import AuditEntry, Company, Membership, User

pytestmark = pytest.mark.django_db

LIST = "/reglages/entreprises/"
CREATE = "/reglages/entreprises/nouvelle/"
NEW_PASSWORD = "Un nouveau mot de passe solide 2026"
BAD_SIREN_KEY = "Ce SIREN n'est pas valide (clé de contrôle incorrecte)."
SIREN_TAKEN = "Une entreprise du cabinet porte déjà ce SIREN."


def form_errors(response) -> list[str]:
    return [
        readable(html.unescape(item))
        for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def listed_companies(response) -> list[str]:
    """The company names of the list's table, in order."""
    return [
        html.unescape(name)
        for name in re.findall(
            r'<td><a href="/reglages/entreprises/\d+/">(.*?)</a></td>', response.text
        )
    ]


def detail(company) -> str:
    return f"/reglages/entreprises/{company.pk}/"


def invite_url(company) -> str:
    return f"/reglages/entreprises/{company.pk}/clients/"


def revoke_url(company, user) -> str:
    return f"/reglages/entreprises/{company.pk}/clients/{user.pk}/retirer/"


def reinvite_url(company, user) -> str:
    return f"/reglages/entreprises/{company.pk}/clients/{user.pk}/relancer/"


def spaced(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


def wrong_key(siren: str) -> str:
    """The same SIREN with a last digit that breaks its Luhn key."""
    return siren[:8] + str((int(siren[8]) + 1) % 10)


def link_in(message) -> str:
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    return links[0]


def written_rows() -> tuple[int, int, int, int]:
    return (
        Company.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        AuditEntry.objects.count(),
    )


# --- Listing and searching ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_see_the_companies_of_their_cabinet_only(world, role):
    response = browser(getattr(world.a, role)).get(LIST)

    assert response.status_code == 200
    assert listed_companies(response) == ["Boulangerie Alpha", "Garage Alpha"]
    assert "Beta" not in text_of(response)


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_search_companies_by_name(world, role):
    response = browser(getattr(world.a, role)).get(LIST, {"q": "boulang"})

    assert listed_companies(response) == ["Boulangerie Alpha"]


def test_staff_search_companies_by_siren_typed_with_spaces(world):
    siren = world.a.other_company.siren

    response = browser(world.a.collaborator).get(LIST, {"q": spaced(siren)})

    assert listed_companies(response) == ["Garage Alpha"]


@pytest.mark.parametrize("separator", ["\u00a0", "\u202f", ".", "-"])
def test_search_finds_a_siren_written_as_the_create_form_accepts_it(world, separator):
    # A SIREN pasted from a Kbis or a spreadsheet comes with dots or non-breaking spaces; the
    # create form accepts those, so the search must too.
    siren = world.a.other_company.siren
    typed = separator.join((siren[:3], siren[3:6], siren[6:]))

    response = browser(world.a.collaborator).get(LIST, {"q": typed})

    assert listed_companies(response) == ["Garage Alpha"]


@pytest.mark.parametrize("query", ["\x00", "Boulangerie\x00", "%", "_", "' OR 1=1 --"])
def test_a_strange_search_answers_a_page_never_an_error(world, query):
    response = browser(world.a.admin).get(LIST, {"q": query})

    assert response.status_code == 200
    assert "Beta" not in text_of(response)
    assert set(listed_companies(response)) <= {"Boulangerie Alpha", "Garage Alpha"}


def test_search_never_finds_a_company_of_the_other_cabinet(world):
    by_name = browser(world.a.admin).get(LIST, {"q": "Beta"})
    by_siren = browser(world.a.admin).get(LIST, {"q": world.b.company.siren})

    for response in (by_name, by_siren):
        assert listed_companies(response) == []
        assert "Boulangerie Beta" not in text_of(response)
    assert "Aucune entreprise ne correspond à « Beta »." in text_of(by_name)


def test_company_list_shows_50_companies_a_page(world):
    for n in range(1, 121):
        CompanyFactory(cabinet=world.a.cabinet, name=f"Société {n:03d}")
    # 122 companies: Boulangerie Alpha, Garage Alpha, then Société 001 to 120.
    client = browser(world.a.collaborator)

    first = client.get(LIST)
    third = client.get(LIST, {"page": 3})

    assert len(listed_companies(first)) == 50
    assert listed_companies(first)[:3] == ["Boulangerie Alpha", "Garage Alpha", "Société 001"]
    assert "Page 1 sur 3" in text_of(first)
    assert listed_companies(third) == [f"Société {n:03d}" for n in range(99, 121)]
    assert "Page 3 sur 3" in text_of(third)
    assert 'rel="prev"' in third.text
    assert 'rel="next"' not in third.text


def test_search_results_keep_the_query_across_pages(world):
    for n in range(1, 61):
        CompanyFactory(cabinet=world.a.cabinet, name=f"Société {n:03d}")

    first = browser(world.a.admin).get(LIST, {"q": "Société"})
    second = browser(world.a.admin).get(LIST, {"q": "Société", "page": 2})

    assert "?q=Soci%C3%A9t%C3%A9&amp;page=2" in first.text
    assert listed_companies(second) == [f"Société {n:03d}" for n in range(51, 61)]


# --- Creating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_create_a_company_with_a_siren_typed_with_spaces(world, role):
    user = getattr(world.a, role)
    siren = valid_siren(73_282_932)

    staff = browser(user)
    response = staff.post(CREATE, {"name": "Menuiserie Durand", "siren": spaced(siren)})

    company = Company.objects.get(cabinet=world.a.cabinet, name="Menuiserie Durand")
    assert company.siren == siren
    assert company.created_by == user
    assert response.status_code == 302
    assert response.url == detail(company)
    page = staff.get(response.url)
    assert "Entreprise « Menuiserie Durand » créée." in text_of(page)
    assert "Menuiserie Durand" in listed_companies(staff.get(LIST))


def test_company_creation_is_written_to_the_audit_trail(world):
    siren = valid_siren(73_282_932)

    browser(world.a.collaborator).post(CREATE, {"name": "Menuiserie Durand", "siren": siren})

    company = Company.objects.get(name="Menuiserie Durand")
    entry = AuditEntry.objects.get(action="company.created")
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.collaborator
    assert entry.actor_email == world.a.collaborator.email
    assert entry.target_id == str(company.pk)
    assert entry.data == {"name": "Menuiserie Durand", "siren": siren}


def test_a_company_may_have_no_siren(world):
    response = browser(world.a.admin).post(CREATE, {"name": "Association Les Amis", "siren": ""})

    assert response.status_code == 302
    assert Company.objects.get(name="Association Les Amis").siren == ""


def test_a_siren_with_a_wrong_luhn_key_is_refused_in_french(world):
    before = written_rows()

    response = browser(world.a.admin).post(
        CREATE, {"name": "Menuiserie Durand", "siren": wrong_key(valid_siren(73_282_932))}
    )

    assert response.status_code in (200, 400)
    assert form_errors(response) == [BAD_SIREN_KEY]
    assert written_rows() == before


def test_a_siren_of_the_wrong_length_is_refused_in_french(world):
    before = written_rows()

    response = browser(world.a.admin).post(CREATE, {"name": "Menuiserie", "siren": "12345"})

    assert form_errors(response) == ["Le SIREN compte 9 chiffres."]
    assert written_rows() == before


def test_the_siren_of_another_company_of_the_cabinet_is_refused(world):
    before = written_rows()

    response = browser(world.a.admin).post(
        CREATE, {"name": "Doublon", "siren": spaced(world.a.company.siren)}
    )

    assert response.status_code in (200, 400)
    assert SIREN_TAKEN in form_errors(response)
    assert written_rows() == before


def test_the_siren_of_a_company_of_the_other_cabinet_is_accepted(world):
    response = browser(world.a.admin).post(
        CREATE, {"name": "Boulangerie Beta bis", "siren": world.b.company.siren}
    )

    assert response.status_code == 302
    created = Company.objects.get(name="Boulangerie Beta bis")
    assert created.cabinet == world.a.cabinet
    assert created.siren == world.b.company.siren


@pytest.mark.parametrize("name", ["", "   "])
def test_a_company_without_a_name_is_refused(world, name):
    before = written_rows()

    response = browser(world.a.admin).post(CREATE, {"name": name, "siren": ""})

    assert response.status_code in (200, 400)
    assert form_errors(response) == ["Ce champ est obligatoire."]
    assert written_rows() == before


# --- Editing -----------------------------------------------------------------------------------


def test_staff_rename_a_company_and_the_audit_trail_keeps_old_and_new(world):
    company = world.a.company
    old_siren = company.siren
    new_siren = valid_siren(55_203_253)

    staff = browser(world.a.collaborator)
    response = staff.post(
        detail(company), {"name": "Boulangerie Alpha & Fils", "siren": spaced(new_siren)}
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.siren) == ("Boulangerie Alpha & Fils", new_siren)
    page = staff.get(detail(company))
    assert "Entreprise enregistrée." in text_of(page)
    entry = AuditEntry.objects.get(action="company.updated")
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.collaborator
    assert entry.data == {
        "old": {"name": "Boulangerie Alpha", "siren": old_siren},
        "new": {"name": "Boulangerie Alpha & Fils", "siren": new_siren},
    }


def test_saving_a_company_unchanged_writes_no_audit_entry(world):
    company = world.a.company

    browser(world.a.admin).post(detail(company), {"name": company.name, "siren": company.siren})

    assert not AuditEntry.objects.filter(action="company.updated").exists()


def test_editing_a_company_with_a_bad_siren_changes_nothing(world):
    company = world.a.company
    before = (company.name, company.siren)

    response = browser(world.a.admin).post(
        detail(company), {"name": "Nouveau nom", "siren": wrong_key(company.siren)}
    )

    assert form_errors(response) == [BAD_SIREN_KEY]
    company.refresh_from_db()
    assert (company.name, company.siren) == before
    assert not AuditEntry.objects.exists()


def test_editing_a_company_with_the_siren_of_its_sibling_is_refused(world):
    company = world.a.company
    before = company.siren

    response = browser(world.a.admin).post(
        detail(company), {"name": company.name, "siren": world.a.other_company.siren}
    )

    assert SIREN_TAKEN in form_errors(response)
    company.refresh_from_db()
    assert company.siren == before


# --- Inviting clients --------------------------------------------------------------------------


def invite(world, django_capture_on_commit_callbacks, email, *, staff=None):
    """The collaborator of alpha (or the given browser) invites `email` to Boulangerie Alpha."""
    staff = staff or browser(world.a.collaborator)
    with django_capture_on_commit_callbacks(execute=True):
        return staff.post(invite_url(world.a.company), {"email": email, "full_name": "Léa Martin"})


def test_invited_client_receives_an_email_naming_the_cabinet(
    world, django_capture_on_commit_callbacks
):
    staff = browser(world.a.collaborator)
    response = invite(
        world, django_capture_on_commit_callbacks, "Lea.Martin@Boulangerie.fr", staff=staff
    )

    assert response.status_code == 302
    page = staff.get(response.url)
    assert "lea.martin@boulangerie.fr a maintenant accès à Boulangerie Alpha." in text_of(page)
    assert "Invitation envoyée" in text_of(page)
    client = User.objects.get(cabinet=world.a.cabinet, email="lea.martin@boulangerie.fr")
    assert client.is_client
    assert client.full_name == "Léa Martin"
    assert not client.has_usable_password()
    assert list(client.companies.all()) == [world.a.company]
    [message] = mail.outbox
    assert message.to == ["lea.martin@boulangerie.fr"]
    assert message.subject == "Cabinet Alpha vous invite sur votre espace documentaire"
    assert "Boulangerie Alpha" in message.body
    assert urlsplit(link_in(message)).netloc == host_of(world.a.cabinet)
    entry = AuditEntry.objects.get(action="client.invited")
    assert entry.actor == world.a.collaborator
    assert entry.target_id == str(client.pk)
    assert entry.data["company_id"] == world.a.company.pk
    assert entry.data["new_account"] is True


def test_invitation_link_lets_the_client_choose_a_password_and_see_their_company(
    world, django_capture_on_commit_callbacks
):
    invite(world, django_capture_on_commit_callbacks, "lea@boulangerie.fr")
    [message] = mail.outbox
    link = urlsplit(link_in(message))
    visitor = Client(HTTP_HOST=link.netloc)

    page = visitor.get(link.path, follow=True)
    assert page.status_code == 200
    assert "Bienvenue ! Choisissez votre mot de passe" in text_of(page)
    response = visitor.post(
        page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [("/", 302)]
    assert "Votre mot de passe est enregistré. Bienvenue !" in text_of(response)
    assert "Vos entreprises" in text_of(response)
    assert "Boulangerie Alpha" in text_of(response)
    assert "Garage Alpha" not in text_of(response)
    client = User.objects.get(email="lea@boulangerie.fr")
    assert client.check_password(NEW_PASSWORD)
    # The link served once; it no longer opens the form.
    again = Client(HTTP_HOST=link.netloc).get(link.path, follow=True)
    assert "Lien expiré" in text_of(again)


def test_invitation_link_does_not_work_on_the_other_cabinets_host(
    world, django_capture_on_commit_callbacks
):
    invite(world, django_capture_on_commit_callbacks, "lea@boulangerie.fr")
    [message] = mail.outbox

    page = Client(HTTP_HOST=host_of(world.b.cabinet)).get(
        urlsplit(link_in(message)).path, follow=True
    )

    assert "Lien expiré" in text_of(page)
    assert "new_password1" not in page.text


def test_inviting_a_client_of_another_company_gives_access_without_a_new_account(
    world, django_capture_on_commit_callbacks
):
    existing = world.a.other_client
    users_before = User.objects.count()

    response = invite(world, django_capture_on_commit_callbacks, existing.email.upper())

    assert response.status_code == 302
    assert User.objects.count() == users_before
    assert set(existing.companies.all()) == {world.a.company, world.a.other_company}
    [message] = mail.outbox
    assert message.to == [existing.email]
    assert message.subject == "Cabinet Alpha : accès à Boulangerie Alpha"
    assert link_in(message) == f"http://{host_of(world.a.cabinet)}/connexion/"
    assert AuditEntry.objects.get(action="client.invited").data["new_account"] is False
    existing.refresh_from_db()
    assert existing.check_password(world.password)


def test_inviting_a_client_who_already_has_access_is_refused(
    world, django_capture_on_commit_callbacks
):
    before = written_rows()

    response = invite(world, django_capture_on_commit_callbacks, world.a.client.email)

    assert response.status_code == 400
    assert form_errors(response) == ["Ce client a déjà accès à cette entreprise."]
    assert written_rows() == before
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_inviting_the_address_of_a_staff_member_is_refused(
    world, django_capture_on_commit_callbacks, role
):
    before = written_rows()
    staff = getattr(world.a, role)

    response = invite(world, django_capture_on_commit_callbacks, staff.email)

    assert response.status_code == 400
    assert form_errors(response) == ["Cette adresse appartient à un membre du cabinet."]
    assert written_rows() == before
    assert mail.outbox == []
    staff.refresh_from_db()
    assert staff.is_cabinet_staff


def test_inviting_a_malformed_address_is_refused(world, django_capture_on_commit_callbacks):
    before = written_rows()

    response = invite(world, django_capture_on_commit_callbacks, "pas-une-adresse")

    assert response.status_code == 400
    assert form_errors(response) == ["Saisissez une adresse e-mail valide."]
    assert written_rows() == before


def test_an_address_known_to_the_other_cabinet_becomes_a_new_client_here(
    world, django_capture_on_commit_callbacks
):
    response = invite(world, django_capture_on_commit_callbacks, world.b.admin.email)

    assert response.status_code == 302
    client = User.objects.get(cabinet=world.a.cabinet, email=world.b.admin.email)
    assert client.is_client
    world.b.admin.refresh_from_db()
    assert world.b.admin.is_cabinet_admin
    assert world.b.admin.check_password(world.password)
    [message] = mail.outbox
    assert "Cabinet Alpha" in message.subject
    assert "Beta" not in message.body


# --- Revoking and re-inviting ------------------------------------------------------------------


def test_staff_revoke_a_clients_access(world):
    client = world.a.client

    response = browser(world.a.admin).post(revoke_url(world.a.company, client), follow=True)

    assert response.redirect_chain == [(detail(world.a.company), 302)]
    assert f"{client.email} n'a plus accès à Boulangerie Alpha." in text_of(response)
    assert not Membership.objects.filter(user=client, company=world.a.company).exists()
    client.refresh_from_db()
    assert client.is_active
    home = browser(client).get("/")
    assert "Boulangerie Alpha" not in text_of(home)
    assert "Votre cabinet ne vous a encore donné accès à aucune entreprise." in text_of(home)
    entry = AuditEntry.objects.get(action="client.access_revoked")
    assert entry.actor == world.a.admin
    assert entry.target_id == str(client.pk)
    assert entry.data == {"company_id": world.a.company.pk, "company": "Boulangerie Alpha"}


def test_revoking_a_client_of_another_company_is_a_404(world):
    response = browser(world.a.admin).post(revoke_url(world.a.company, world.a.other_client))

    assert response.status_code == 404
    assert Membership.objects.filter(user=world.a.other_client).count() == 1


def test_staff_resend_an_invitation_not_yet_accepted(world, django_capture_on_commit_callbacks):
    invite(world, django_capture_on_commit_callbacks, "lea@boulangerie.fr")
    client = User.objects.get(email="lea@boulangerie.fr")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser(world.a.admin).post(reinvite_url(world.a.company, client), follow=True)

    assert "Invitation renvoyée à lea@boulangerie.fr." in text_of(response)
    [message] = mail.outbox
    assert message.to == ["lea@boulangerie.fr"]
    assert message.subject == "Cabinet Alpha vous invite sur votre espace documentaire"
    link = urlsplit(link_in(message))
    page = Client(HTTP_HOST=link.netloc).get(link.path, follow=True)
    assert "Bienvenue ! Choisissez votre mot de passe" in text_of(page)
    entry = AuditEntry.objects.get(action="user.invitation_resent")
    assert entry.actor == world.a.admin
    assert entry.target_id == str(client.pk)


def test_no_new_invitation_for_a_client_who_chose_a_password(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser(world.a.admin).post(
            reinvite_url(world.a.company, world.a.client), follow=True
        )

    assert "Ce compte a déjà choisi son mot de passe." in text_of(response)
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="user.invitation_resent").exists()


# --- Who may open these pages ------------------------------------------------------------------


def company_pages(tenant) -> list[tuple[str, str, dict]]:
    """Every company page of a cabinet: (method, path, data)."""
    company, client = tenant.company, tenant.client
    return [
        ("get", LIST, {}),
        ("get", LIST + "?q=Garage", {}),
        ("get", CREATE, {}),
        ("post", CREATE, {"name": "Intruse", "siren": ""}),
        ("get", detail(company), {}),
        ("post", detail(company), {"name": "Renommée", "siren": ""}),
        ("post", invite_url(company), {"email": "intrus@exemple.fr"}),
        ("post", revoke_url(company, client), {}),
        ("post", reinvite_url(company, client), {}),
    ]


def snapshot(tenant) -> tuple:
    company = Company.objects.get(pk=tenant.company.pk)
    return (*written_rows(), company.name, company.siren)


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_a_client_opening_any_company_page_gets_404(world, django_capture_on_commit_callbacks, who):
    user = getattr(world.a, who)
    before = snapshot(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        for method, path, data in company_pages(world.a):
            response = getattr(browser(user), method)(path, data)
            assert response.status_code == 404, (method, path)
            assert "Page introuvable" in text_of(response)
            assert "Garage Alpha" not in text_of(response), (method, path)

    assert snapshot(world.a) == before
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["admin", "collaborator", "client"])
def test_a_user_of_the_other_cabinet_is_sent_to_login_and_sees_nothing(
    world, django_capture_on_commit_callbacks, who
):
    # A beta session carried to alpha's host does not count there.
    user = getattr(world.b, who)
    before = snapshot(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        for method, path, data in company_pages(world.a):
            response = getattr(browser(user, cabinet=world.a.cabinet), method)(path, data)
            assert response.status_code == 302, (method, path)
            assert response.url.startswith("/connexion/?next="), (method, path)
            for name in ("Boulangerie Alpha", "Garage Alpha", "Boulangerie Beta", "Garage Beta"):
                assert name not in text_of(response)

    assert snapshot(world.a) == before
    assert mail.outbox == []


def test_an_anonymous_visitor_is_sent_to_login(world):
    for method, path, data in company_pages(world.a):
        response = getattr(Client(HTTP_HOST=host_of(world.a.cabinet)), method)(path, data)
        assert response.status_code == 302, (method, path)
        assert response.url.startswith("/connexion/?next="), (method, path)


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_asking_for_a_company_of_the_other_cabinet_get_the_404_of_a_missing_one(
    world, django_capture_on_commit_callbacks, role
):
    staff = getattr(world.b, role)
    foreign = [
        (method, path, data)
        for method, path, data in company_pages(world.a)
        if path.startswith(detail(world.a.company))
    ]
    missing_id = Company.objects.order_by("-pk").first().pk + 1000
    before = snapshot(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        for method, path, data in foreign:
            response = getattr(browser(staff), method)(path, data)
            missing = getattr(browser(staff), method)(
                path.replace(f"/{world.a.company.pk}/", f"/{missing_id}/"), data
            )
            assert response.status_code == missing.status_code == 404, (method, path)
            strip = re.compile(r'value="[^"]+"|"X-CSRFToken": "[^"]+"')
            assert strip.sub("", response.text) == strip.sub("", missing.text)
            assert "Alpha" not in text_of(response)

    assert snapshot(world.a) == before
    assert mail.outbox == []
