"""Forms as French writes them: a checkbox comes before its label, which ends without a colon,
and « Qui peut déposer ? » is one fieldset, its question the legend of its options."""

import re

import pytest

from tests.conftest import browser
from tests.pages import text_of

pytestmark = pytest.mark.django_db


def labels(page: str) -> dict[str, str]:
    """Each label's text, by the id of its field."""
    return {
        target: re.sub(r"<[^>]+>", "", text).strip()
        for target, text in re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', page, re.S)
    }


@pytest.mark.parametrize(
    ("path", "checkbox"),
    [
        ("/reglages/personnalisation/", "id_remove_logo"),
        ("/ged/entreprises/{company}/depot-par-email/", "id_accept_anyone"),
        ("/ged/entreprises/{company}/depot-par-email/", "id_send_receipt"),
        ("/reglages/securite/", "id_require_two_factor"),
    ],
)
def test_a_checkbox_comes_before_its_label_which_has_no_colon(world, path, checkbox):
    page = text_of(browser(world.a.admin).get(path.format(company=world.a.company.pk)))

    label = labels(page)[checkbox]
    assert label
    assert not label.endswith(":")
    assert re.search(
        rf'<input type="checkbox"[^>]*id="{checkbox}"[^>]*><label for="{checkbox}"', page
    )


def test_other_fields_keep_their_label_above_them(world):
    page = text_of(browser(world.a.admin).get("/reglages/personnalisation/"))

    assert labels(page)["id_primary_color"] == "Couleur principale :"


def test_who_may_deposit_is_a_fieldset_whose_legend_is_the_question(world):
    page = text_of(
        browser(world.a.admin).get(f"/ged/entreprises/{world.a.company.pk}/depot-par-email/")
    )

    fieldset = re.search(r"<fieldset>(.*?)</fieldset>", page, re.S)
    assert fieldset
    legend = re.search(r"<legend>(.*?)</legend>", fieldset.group(1), re.S)
    assert legend
    assert re.sub(r"<[^>]+>", "", legend.group(1)) == "Qui peut déposer ?"
    assert 'id="id_accept_anyone"' in fieldset.group(1)
    assert 'id="id_allowed_senders"' in fieldset.group(1)
    assert 'id="id_send_receipt"' not in fieldset.group(1)  # what the sender is sent, apart
