"""French typography's no-break spaces: before « : ; ! ? » and inside « », put in by one
function, on the text of pages and emails only."""

import re

import pytest

from tests.conftest import browser
from tests.helpers.documents import deposit, folder_at
from tests.helpers.typography import (
    faults,
)
from welyb_portal.tenancy.emails import AccountEmail, account_email_send
from welyb_portal.tenancy.typography import (
    NBSP,
    NNBSP,
    french_elision,
    french_spacing,
    french_spacing_html,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Installées : Inqom", f"Installées{NBSP}: Inqom"),
        ("Qui peut déposer ?", f"Qui peut déposer{NNBSP}?"),
        ("Attention ! Bravo ; suite", f"Attention{NNBSP}! Bravo{NNBSP}; suite"),
        ("« Achats »", f"«{NNBSP}Achats{NNBSP}»"),
        ("«Achats»", f"«{NNBSP}Achats{NNBSP}»"),
        (f"«{NNBSP}Achats{NNBSP}»", f"«{NNBSP}Achats{NNBSP}»"),  # twice gives the same
        (f"déjà{NBSP}: espacé", f"déjà{NBSP}: espacé"),
        ("Mot  :", f"Mot{NBSP}:"),
        ("Mot\n  ?", f"Mot{NNBSP}?"),
    ],
)
def test_french_spacing_puts_the_no_break_spaces(text, expected):
    assert french_spacing(text) == expected
    assert french_spacing(french_spacing(text)) == expected


@pytest.mark.parametrize(
    "untouched",
    [
        "à 12:30",
        "https://alpha.localhost:8000/ged/?page=2&tri=nom",
        "contraste de 4,5:1",
        "mailto:client@boulangerie.fr",
        "Bonjour!",  # no space typed: none is invented
        "C:\\Documents",
        "",
    ],
)
def test_french_spacing_leaves_times_urls_ratios_alone(untouched):
    assert french_spacing(untouched) == untouched


def test_only_the_text_of_a_page_is_spaced():
    page = (
        '<p title="Qui ?" data-x=\'{"a": "b > c ?"}\'>Qui peut déposer ?</p>'
        '<a href="/ged/?q=a :b">Lien : ici</a>'
        "<script>if (a ? b : c) {}</script>"
        "<style>a:hover { color: red !important; }</style>"
        "<pre>code : brut ?</pre><p>puis <code>x ? y : z</code> : fin</p>"
        '<textarea name="note">tapé : tel quel ?</textarea>'
        "<!-- commentaire : tel quel ? -->"
    )

    assert french_spacing_html(page) == (
        f'<p title="Qui ?" data-x=\'{{"a": "b > c ?"}}\'>Qui peut déposer{NNBSP}?</p>'
        f'<a href="/ged/?q=a :b">Lien{NBSP}: ici</a>'
        "<script>if (a ? b : c) {}</script>"
        "<style>a:hover { color: red !important; }</style>"
        f"<pre>code : brut ?</pre><p>puis <code>x ? y : z</code>{NBSP}: fin</p>"
        '<textarea name="note">tapé : tel quel ?</textarea>'
        "<!-- commentaire : tel quel ? -->"
    )


def test_a_script_holding_markup_like_text_stays_whole():
    page = '<script>var s = "<p>a : b</p>";</script><p>c : d</p>'
    assert french_spacing_html(page) == f'<script>var s = "<p>a : b</p>";</script><p>c{NBSP}: d</p>'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/"),
        ("admin", "/reglages/applications/"),
        ("admin", "/reglages/personnalisation/"),
        ("admin", "/reglages/applications/ajouter/"),
        ("admin", "/ged/entreprises/{company}/"),
        ("admin", "/ged/dossiers/{folder}/"),
        ("admin", "/ged/documents/{doc}/"),
        ("admin", "/ged/emails-recus/"),
        ("admin", "/ged/entreprises/{company}/depot-par-email/"),
        ("client", "/"),
        ("client", "/ged/dossiers/{folder}/"),
        ("client", "/ged/documents/{doc}/"),
        (None, "/connexion/"),
        (None, "/mot-de-passe/oublie/"),
    ],
)
def test_a_rendered_page_has_no_ordinary_space_before_french_marks(world, who, path):
    document = deposit(folder_at(world.a.company, "Achats"), "facture « mars ».pdf")
    path = path.format(company=world.a.company.pk, folder=document.folder_id, doc=document.pk)
    client = browser(getattr(world.a, who)) if who else browser(cabinet=world.a.cabinet)

    response = client.get(path, follow=True)

    assert response.status_code == 200
    assert faults(response.content.decode()) == []


@pytest.mark.django_db
def test_account_emails_are_spaced_in_their_bodies_not_in_their_subject(world, mailoutbox):
    account_email_send(user=world.a.client, kind=AccountEmail.ACCESS, company=world.a.company)

    [message] = mailoutbox
    html_body = message.alternatives[0][0]
    assert f"adresse email habituelle{NBSP}:" in message.body
    assert re.search(r"https?://\S+", message.body)  # the link, whole
    assert faults(html_body) == []
    assert NBSP not in message.subject
    assert f"{world.a.cabinet.name} : accès à {world.a.company.name}" == message.subject


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Modification de envoi", "Modification d’envoi"),
        ("Ajout de entreprise", "Ajout d’entreprise"),
        ("Affichage de accès client", "Affichage d’accès client"),
        ("Modification de dossier", "Modification de dossier"),
        ("la hauteur", "la hauteur"),  # an aspirated h keeps its article
        ("Sélectionnez l’objet envoi à changer", "Sélectionnez l’objet envoi à changer"),
    ],
)
def test_french_elision(text, expected):
    assert french_elision(text) == expected
