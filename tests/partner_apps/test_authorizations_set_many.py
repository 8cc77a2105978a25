"""Saving a whole page of authorisations at once (« Tout enregistrer »), as the service promises
it: all the rows or none, every refused row named with its reasons, audited like one row."""

import pytest
from django.core.exceptions import ValidationError

from partner_apps.services.authorizations import (
    AuthorizationChange,
    AuthorizationsRefused,
    authorizations_set_many,
)
from partner_apps.services.store import app_uninstall
from tests.helpers.store import (
    ALL_APPS,
    NO_ADDRESS,
    WRONG_PREFIX,
    app,
    audit_actions,
    authorize,
    install,
    saved,
)
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

ACHATS = "inqom-achats"


@pytest.fixture
def world(world):
    install(world.a, *ALL_APPS)
    install(world.b, *ALL_APPS)
    return world


def save_page(tenant, *rows: tuple, slug: str = ACHATS):
    return authorizations_set_many(
        app=app(slug),
        changes=[AuthorizationChange(company, enabled, email) for company, enabled, email in rows],
        by=tenant.admin,
    )


def test_every_row_of_the_page_is_saved_and_audited(world):
    authorizations = save_page(
        world.a,
        (world.a.company, True, "ACHAT.Boulangerie@inqombox.com"),
        (world.a.other_company, False, "achat.garage@inqombox.com"),
    )

    assert [(a.company, a.enabled, a.collection_email) for a in authorizations] == [
        (world.a.company, True, "achat.boulangerie@inqombox.com"),
        (world.a.other_company, False, "achat.garage@inqombox.com"),
    ]
    assert saved(world.a.company, ACHATS) == (True, "achat.boulangerie@inqombox.com")
    assert saved(world.a.other_company, ACHATS) == (False, "achat.garage@inqombox.com")
    assert audit_actions(world.a.cabinet, "authorization.") == ["authorization.changed"] * 2


def test_one_bad_row_saves_nothing_and_each_refused_row_is_named_with_its_error(world):
    authorize(world.a, world.a.company, ACHATS, "achat.ancien@inqombox.com", enabled=False)
    entries = AuditEntry.objects.count()

    with pytest.raises(AuthorizationsRefused) as refused:
        save_page(
            world.a,
            (world.a.company, True, "achat.nouveau@inqombox.com"),
            (world.a.other_company, True, "vente.garage@inqombox.com"),
        )

    assert refused.value.errors == {world.a.other_company.pk: [WRONG_PREFIX]}
    # The valid row was rolled back with the refused one, its audit entry too.
    assert saved(world.a.company, ACHATS) == (False, "achat.ancien@inqombox.com")
    assert saved(world.a.other_company, ACHATS) is None
    assert AuditEntry.objects.count() == entries


def test_every_refused_row_is_named_not_only_the_first(world):
    with pytest.raises(AuthorizationsRefused) as refused:
        save_page(
            world.a,
            (world.a.company, True, ""),
            (world.a.other_company, True, "vente.garage@inqombox.com"),
        )

    assert refused.value.errors == {
        world.a.company.pk: [NO_ADDRESS],
        world.a.other_company.pk: [WRONG_PREFIX],
    }
    assert saved(world.a.company, ACHATS) is None
    assert saved(world.a.other_company, ACHATS) is None


def test_a_company_of_another_cabinet_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as refused:
        save_page(
            world.a,
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.b.company, True, "achat.espion@inqombox.com"),
        )

    assert refused.value.messages == ["Entreprise inconnue du cabinet."]
    assert saved(world.a.company, ACHATS) is None
    assert saved(world.b.company, ACHATS) is None
    assert audit_actions(world.a.cabinet, "authorization.") == []
    assert audit_actions(world.b.cabinet, "authorization.") == []


def test_a_connector_the_cabinet_uninstalled_refuses_every_row(world):
    app_uninstall(cabinet=world.a.cabinet, app=app(ACHATS), by=world.a.admin)

    with pytest.raises(AuthorizationsRefused) as refused:
        save_page(world.a, (world.a.company, True, "achat.boulangerie@inqombox.com"))

    assert refused.value.errors == {
        world.a.company.pk: ["Installez d'abord l'application « Inqom Achats »."]
    }
    assert saved(world.a.company, ACHATS) is None
