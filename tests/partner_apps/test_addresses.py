"""The collection-address rules of the four Inqom connectors, as the guide gives them:
achat.<nom>@inqombox.com, vente.<nom>@…, ndf.<nom>@…, admin.<nom>@…"""

import pytest
from django.core.exceptions import ValidationError

from inqom_connector.connectors import INQOM_CONNECTORS
from partner_apps.connectors import connector_for_key

PREFIXES = {
    "inqom-achats": "achat",
    "inqom-ventes": "vente",
    "inqom-ndf": "ndf",
    "inqom-administratif": "admin",
}


def refusal(key: str, address: str) -> str:
    with pytest.raises(ValidationError) as caught:
        connector_for_key(key).address_clean(address)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(("key", "prefix"), PREFIXES.items())
@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("{p}.acme@inqombox.com", "acme"),
        ("{P}.ACME@INQOMBOX.COM", "acme"),
        ("  {p}.acme@inqombox.com  ", "acme"),
        ("{p}.boulangerie-martin_2@inqombox.com", "boulangerie-martin_2"),
        ("{p}.sarl.dupont@inqombox.com", "sarl.dupont"),
    ],
)
def test_each_connector_accepts_its_own_address_stored_in_lower_case(key, prefix, typed, name):
    address = typed.format(p=prefix, P=prefix.upper())
    assert connector_for_key(key).address_clean(address) == f"{prefix}.{name}@inqombox.com"


@pytest.mark.parametrize(("key", "prefix"), PREFIXES.items())
def test_the_address_of_another_connector_is_refused_naming_the_expected_form(key, prefix):
    for other_key, other_prefix in PREFIXES.items():
        if other_key == key:
            continue
        message = refusal(key, f"{other_prefix}.acme@inqombox.com")
        assert f"« {other_prefix}. »" in message
        assert f"Adresse attendue : {prefix}.<nom>@inqombox.com" in message


@pytest.mark.parametrize("key", PREFIXES)
@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "Indiquez l'adresse de collecte."),
        ("{p}.acme@inqombox.com\r\nBcc: espion@exemple.fr", "Une seule adresse"),
        ("{p}.acme@inqombox.com\nBcc: espion@exemple.fr", "Une seule adresse"),
        ("{p}.ac me@inqombox.com", "Une seule adresse"),
        ("{p}.acme@inqombox.com, {p}.autre@inqombox.com", "Une seule adresse"),
        ("{p}.acme@inqombox.com;{p}.autre@inqombox.com", "Une seule adresse"),
        ("{p}.acme@inqombox.com{p}.autre@inqombox.com", "Ce n'est pas une adresse email."),
        ("Acme <{p}.acme@inqombox.com>", "Une seule adresse"),
        ("{p}.acme@gmail.com", "se terminent par @inqombox.com"),
        ("{p}.acme@inqombox.com.evil.fr", "se terminent par @inqombox.com"),
        ("{p}.acme@inqombox.co", "se terminent par @inqombox.com"),
        ("{p}.acme", "Ce n'est pas une adresse email."),
        # Cyrillic "а" and "о" look like Latin letters; a fullwidth "@" looks like "@".
        ("{p}.\u0430cme@inqombox.com", "caractères accentués ou qui imitent"),
        ("{p}.acme@inqоmbox.com", "caractères accentués ou qui imitent"),
        ("{p}.acme\uff20inqombox.com", "caractères accentués ou qui imitent"),
        ("{p}.société@inqombox.com", "caractères accentués ou qui imitent"),
        ("{p}.@inqombox.com", "ne contient que des lettres"),
        ("{p}.ac+me@inqombox.com", "ne contient que des lettres"),
        ("{p}.acme.@inqombox.com", "ne contient que des lettres"),
        ("{p}..acme@inqombox.com", "ne contient que des lettres"),
        ("{p}acme@inqombox.com", "l'adresse commence par"),
        ("{p}.acme\x00@inqombox.com", "Une seule adresse"),
        ("{p}." + "a" * 70 + "@inqombox.com", "Adresse trop longue."),
        ("{p}." + "a" * 300 + "@inqombox.com", "Adresse trop longue."),
    ],
)
def test_bad_addresses_are_refused_with_a_french_reason(key, address, reason):
    message = refusal(key, address.format(p=PREFIXES[key]))
    assert reason in message
    assert f"Adresse attendue : {PREFIXES[key]}.<nom>@inqombox.com" in message


def test_four_connectors_are_registered_one_per_collection_address():
    assert sorted(c.key for c in INQOM_CONNECTORS) == sorted(PREFIXES)
    for key, prefix in PREFIXES.items():
        assert connector_for_key(key).address_example() == f"{prefix}.<nom>@inqombox.com"


def test_the_company_name_in_one_address_gives_the_others():
    achats = connector_for_key("inqom-achats")
    name = achats.company_name_of("achat.acme@inqombox.com")
    assert name == "acme"
    assert connector_for_key("inqom-ventes").address_for(name) == "vente.acme@inqombox.com"
    assert connector_for_key("inqom-ndf").address_for(name) == "ndf.acme@inqombox.com"
    assert connector_for_key("inqom-administratif").address_for(name) == "admin.acme@inqombox.com"
    assert achats.company_name_of("vente.acme@inqombox.com") is None
    assert achats.company_name_of("achat.acme@gmail.com") is None
