"""The French faults scan (tests/french_faults.py), which the browser's page scan runs on every
page: what it finds, and the right French it leaves alone."""

import html

import pytest

from tests.french_faults import french_faults
from welyb_portal.tenancy.typography import french_spacing

FAULTS = [
    ("Installée pour 3 entreprise(s)", "(s)"),
    ("Choisissez un ou plusieurs dossier(s)", "(s)"),
    ("Un client autorisé(e) à déposer", "(s)"),
    ("Vous pouvez modifier l'accès de Inqom à vos dossiers.", "« de Inqom »"),
    ("Le dépôt de une facture", "« de une »"),
    ("Vérifiez le adresse de collecte", "« le adresse »"),
    ("Ajoutez la entreprise", "« la entreprise »"),
    ("Il faut que il valide", "« que il »"),
    ("On vérifie si il a déposé", "« si il »"),
    ("Ce est fini", "« Ce est »"),
    ("Valable jusque à demain", "« jusque à »"),
    ("Le document ne a pas été envoyé", "« ne a »"),
    ("Bonjour {{ user.name }}", "template syntax"),
    ("{% trans 'Bonjour' %}", "template syntax"),
    ("%(n)s documents envoyés", "template syntax"),
    ("SIREN : None", "« None »"),
    ("Montant : nan", "« nan »"),
    ("Choose Files", "English"),
    ("No file chosen", "English"),
    ("Save", "English"),
    ("Supprimer / Delete", "English"),
    ("Search…", "English"),
]

# Written without French typography's no-break spaces, or with « 1 » for the first of a month.
TYPOGRAPHY_FAULTS = [
    ("Installée : Inqom", "ordinary space"),
    ("Que faire ?", "ordinary space"),
    ("Le dossier « Achats» est vide.", "ordinary space"),
    ("Déposé le 1 décembre 2026", "« 1er »"),
    ("Déposé le 1\u00a0mars", "« 1er »"),
]

RIGHT = [
    "Installée pour 3 entreprises, 1 entreprise, 0 entreprise",
    "L'accès d'Inqom, l'adresse, l'entreprise, qu'il valide, s'il a déposé, c'est fini",
    "Si elle a déposé, jusqu'à demain. Que faire ?",
    "Le onze janvier, le héros de Yann, la hausse de haut en bas",
    "Déposé le\tauto-entrepreneur",  # two cells of a table: not one sentence
    "Déposé le\nAchats",
    "Invitation de admin@alpha.fr",  # an address is left to its reader
    "afin de le lire, pour les envoyer",
    "« Achats » de « Achats 2026 »",
    "Remettez-le à jour, déposez-la ici",
    "Un nom sans accent, une date (5 janv.), une note (facultative)",
    "Nonexistent? Nanterre, Showroom, Searchlight",
    "Enregistrer, Supprimer, Rechercher, Choisir des fichiers",
]


@pytest.mark.parametrize(("text", "what"), FAULTS)
def test_each_fault_is_found(text, what):
    faults = french_faults(french_spacing(text))
    assert len(faults) == 1, faults
    assert what in faults[0], faults


@pytest.mark.parametrize("text", RIGHT)
def test_right_french_is_left_alone(text):
    assert french_faults(french_spacing(text)) == []


@pytest.mark.parametrize(("text", "what"), TYPOGRAPHY_FAULTS)
def test_each_typography_fault_is_found(text, what):
    faults = french_faults(text)
    assert len(faults) == 1, faults
    assert what in faults[0], faults


@pytest.mark.parametrize(
    "text",
    [
        "Déposé le 1er décembre, le 11 décembre, à 12:30, https://alpha.fr/?page=2",
        "Ratio 4,5:1, C:\\Documents",
    ],
)
def test_typography_that_is_right_is_left_alone(text):
    assert french_faults(french_spacing(text)) == []


def test_every_fault_of_a_page_is_named_with_its_words():
    page = "Installée pour 2 entreprise(s).\nAccès de Inqom : None"
    faults = french_faults(page)
    assert len(faults) == 4
    assert "« de Inqom »" in faults[0]
    assert "Accès de Inqom" in faults[0]
    assert "ordinary space before" in faults[1]
    assert "entreprise(s)" in faults[2]
    assert "« None »" in faults[3]


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("Accès {{ name|elide }}", "Accès d'Inqom Achats"),
        ("Accès {{ other|elide }}", "Accès de Boulangerie Martin"),
        ("Dépôt {{ accented|elide }}", "Dépôt d'Épicerie Alpha"),
        ("Ce {{ name|elide:'que' }} reçoit", "Ce qu'Inqom Achats reçoit"),
        ("{{ aspirated|elide }}", "de Hôtel du Nord"),
    ],
)
def test_a_name_the_page_does_not_know_in_advance_takes_the_elision(template, text):
    """The `elide` filter, which pages use where a name follows « de » or « que »."""
    from django.template import Context, Template

    context = Context(
        {
            "name": "Inqom Achats",
            "other": "Boulangerie Martin",
            "accented": "Épicerie Alpha",
            "aspirated": "Hôtel du Nord",
        }
    )
    rendered = Template("{% load french %}" + template).render(context)
    assert html.unescape(rendered) == text
    assert french_faults(html.unescape(rendered)) == []
