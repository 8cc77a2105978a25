"""A cabinet that picks colours its text cannot be read on is warned (WCAG AA, 4.5:1 for text
of normal size), on save and in the page, but keeps the colours it chose."""

import math
import re

import pytest

from tests.conftest import browser
from tests.pages import text_of
from welyb_portal.tenancy.branding import contrast_checks, contrast_ratio

PAGE = "/reglages/personnalisation/"
WARNING = "Contraste insuffisant"


@pytest.mark.parametrize(
    ("text", "background", "expected"),
    [
        ("#FFFFFF", "#767676", 4.54),
        ("#ffffff", "#000000", 21.0),
        ("#000000", "#000000", 1.0),
        ("#ffffff", "#777777", 4.47),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 3.99),
    ],
)
def test_contrast_ratio_matches_the_wcag_figures(text, background, expected):
    # Figures as WebAIM's checker shows them: two decimals, rounded down.
    assert math.floor(contrast_ratio(text, background) * 100) / 100 == expected
    assert contrast_ratio(background, text) == contrast_ratio(text, background)


def test_the_default_colours_pass_every_check():
    assert all(c.readable for c in contrast_checks(primary_color="#1f4e79", accent_color="#e39b17"))


def test_a_mid_grey_fails_for_text_on_it_and_for_links_on_white():
    checks = {c.key: c for c in contrast_checks(primary_color="#777777", accent_color="#e39b17")}

    assert not checks["primary-text"].readable
    assert checks["primary-text"].ratio_text == "4,47"  # 4.478, rounded down
    assert not checks["primary-links"].readable
    assert checks["accent-text"].readable


def test_a_ratio_just_under_the_threshold_never_reads_as_the_threshold():
    # 4.4952:1 with white: rounded, it would read « 4,50:1 » next to « sous les 4,5:1 ».
    check = contrast_checks(primary_color="#70787d", accent_color="#e39b17")[0]
    assert not check.readable
    assert check.ratio_text == "4,49"


def test_a_pale_primary_colour_is_saved_with_a_french_warning(world):
    admin = browser(world.a.admin)

    response = admin.post(PAGE, {"primary_color": "#9ab8d8", "accent_color": "#e39b17"})

    assert response.status_code == 302
    world.a.cabinet.refresh_from_db()
    assert world.a.cabinet.primary_color == "#9ab8d8"
    page = text_of(admin.get(response.url))
    assert "Personnalisation enregistrée." in page
    assert re.search(
        r"Liens de la couleur principale sur fond blanc\s:\scontraste de 2,\d\d:1, sous les "
        r"4,5:1 du niveau AA des WCAG\. Ces couleurs sont enregistrées",
        page,
    )
    assert "Texte sur la couleur principale : contraste" not in page  # dark text: readable


def test_readable_colours_are_saved_without_a_warning(world):
    admin = browser(world.a.admin)

    response = admin.post(PAGE, {"primary_color": "#112233", "accent_color": "#ffcc00"})

    page = text_of(admin.get(response.url))
    assert "Personnalisation enregistrée." in page
    assert "sous les 4,5:1" not in page
    assert re.search(r'id="contrast-warning" role="status" hidden', page)


def test_the_page_shows_the_saved_colours_warning_for_the_preview_script(world):
    world.a.cabinet.accent_color = "#808080"
    world.a.cabinet.save()

    page = text_of(browser(world.a.admin).get(PAGE))

    warning = re.search(r'(<div[^>]*id="contrast-warning"[^>]*>)(.*?)</div>', page, re.S)
    assert warning
    assert "hidden" not in warning.group(1)
    lines = re.findall(r"<li data-contrast-field=\"(\w+)\"[^>]*?( hidden)?>", warning.group(2))
    assert lines == [
        ("primary_color", " hidden"),
        ("primary_color", " hidden"),
        ("accent_color", ""),
    ]
    assert WARNING in warning.group(2)
