"""« Désinstaller » asks first and says what would stop sending: the companies authorised and
the folders automated for that connector in this cabinet."""

import pytest

from partner_apps.models import CabinetApp
from tests.conftest import browser
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, VENTES, connect, switch_on
from tests.helpers.store import authorize, install
from tests.pages import flashes, page_of
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

STORE = "/reglages/applications/ajouter/"


def confirm_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/desinstaller/confirmer/"


def lead(response) -> str:
    page = page_of(response)
    return next(p.text for p in page.find("p") if "lead" in p.attrs.get("class", ""))


def is_installed(tenant, slug: str) -> bool:
    return CabinetApp.objects.filter(cabinet=tenant.cabinet, app__slug=slug).exists()


@pytest.fixture
def achats_in_use(world):
    """Both of Alpha's companies authorised for Achats; three folders switched on."""
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    connect(world.a, world.a.other_company, ACHATS, name="garage-alpha")
    for company, folder in (
        (world.a.company, "Achats"),
        (world.a.company, "Notes de frais"),
        (world.a.other_company, "Achats"),
    ):
        switch_on(folder_at(company, f"{ANNUAL}/{folder}"), ACHATS, world.a.admin)
    return world


def test_uninstalling_says_what_stops_and_does_nothing_until_confirmed(achats_in_use):
    world = achats_in_use
    admin = browser(world.a.admin)

    asked = admin.get(confirm_url(ACHATS))

    assert lead(asked) == "2 entreprises autorisées et 3 dossiers automatisés cesseront d'envoyer."
    assert is_installed(world.a, ACHATS)
    assert not AuditEntry.objects.filter(action="app.uninstalled").exists()
    page = page_of(asked)
    [form] = [f for f in page.find("form") if "desinstaller" in f.attrs.get("action", "")]
    assert form.attrs["action"] == f"/reglages/applications/{ACHATS}/desinstaller/"
    assert page.buttons(inside=form) == ["Désinstaller Inqom Achats"]
    assert page.links("Annuler", inside=form)[0].attrs["href"] == STORE

    done = admin.post(form.attrs["action"], follow=True)

    assert not is_installed(world.a, ACHATS)
    assert flashes(done) == [
        "« Inqom Achats » est désinstallée : ses autorisations sont suspendues, les adresses "
        "sont conservées."
    ]


def test_the_store_leads_to_the_question_not_to_the_uninstall(achats_in_use):
    page = page_of(browser(achats_in_use.a.admin).get(STORE))

    [link] = page.links("Désinstaller Inqom Achats")
    assert link.attrs["href"] == confirm_url(ACHATS)


def test_one_of_each_is_said_in_the_singular(world):
    connect(world.a, world.a.company, VENTES, name="boulangerie-alpha")
    switch_on(folder_at(world.a.company, f"{ANNUAL}/Ventes"), VENTES, world.a.admin)

    response = browser(world.a.admin).get(confirm_url(VENTES))

    assert lead(response) == "1 entreprise autorisée et 1 dossier automatisé cesseront d'envoyer."


def test_an_unused_connector_and_a_link_say_so(world):
    install(world.a, "inqom", ACHATS)
    admin = browser(world.a.admin)

    assert lead(admin.get(confirm_url(ACHATS))) == (
        "Aucune entreprise n'est autorisée ni aucun dossier automatisé : rien ne cessera d'envoyer."
    )
    assert lead(admin.get(confirm_url("inqom"))) == "Son lien disparaîtra de l'accueil du cabinet."


def test_another_cabinets_use_is_not_counted_and_an_app_not_installed_is_not_asked(
    achats_in_use,
):
    world = achats_in_use
    beta = browser(world.b.admin)

    not_installed = beta.get(confirm_url(ACHATS), follow=True)
    install(world.b, ACHATS)
    installed = beta.get(confirm_url(ACHATS))

    assert not_installed.redirect_chain == [(STORE, 302)]
    assert flashes(not_installed) == ["« inqom-achats » n'est pas installée."]
    assert lead(installed).startswith("Aucune entreprise n'est autorisée")
    assert browser(world.a.collaborator).get(confirm_url(ACHATS)).status_code == 403
    assert browser(world.a.admin).get(confirm_url("application-inconnue")).status_code == 404


def test_no_company_authorised_but_folders_on_is_said_in_french(world):
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(world.a.company, f"{ANNUAL}/Achats"), ACHATS, world.a.admin)
    authorize(
        world.a, world.a.company, ACHATS, "achat.boulangerie-alpha@inqombox.com", enabled=False
    )

    response = browser(world.a.admin).get(confirm_url(ACHATS))

    assert lead(response) == "0 entreprise autorisée et 1 dossier automatisé cesseront d'envoyer."
