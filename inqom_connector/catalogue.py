"""The Inqom apps of the store, as the guide names them. Seeded by this app's data migration;
`catalogue_seed` takes the model so that the migration passes its historical one."""

from django.db.models import Model

INQOM_URL = "https://app.inqom.com/"

_CONNECTOR_TEXT = (
    "Vous ne la verrez pas sur la page d'accueil de votre cabinet : elle relie la GED à "
    "l'adresse de collecte {what} d'Inqom ({address}). Chaque document déposé dans un dossier "
    "où elle est activée part aussitôt vers Inqom, puis apparaît « Validé »."
)

INQOM_APPS = [
    {
        "slug": "inqom",
        "name": "Inqom",
        "kind": "link",
        "visible_on_home": True,
        "connector_key": "",
        "url": INQOM_URL,
        "position": 10,
        "description": (
            "Visible sur la page d'accueil de votre cabinet : elle vous redirige vers la "
            "plateforme Inqom. L'installer propose aussi les quatre connecteurs Inqom."
        ),
    },
    {
        "slug": "inqom-achats",
        "name": "Inqom Achats",
        "kind": "connector",
        "connector_key": "inqom-achats",
        "position": 11,
        "description": _CONNECTOR_TEXT.format(
            what="Achats (factures d'achat reçues)", address="achat.<nom>@inqombox.com"
        ),
    },
    {
        "slug": "inqom-ventes",
        "name": "Inqom Ventes",
        "kind": "connector",
        "connector_key": "inqom-ventes",
        "position": 12,
        "description": _CONNECTOR_TEXT.format(
            what="Ventes (factures de vente émises)", address="vente.<nom>@inqombox.com"
        ),
    },
    {
        "slug": "inqom-ndf",
        "name": "Inqom NDF",
        "kind": "connector",
        "connector_key": "inqom-ndf",
        "position": 13,
        "description": _CONNECTOR_TEXT.format(
            what="Notes de frais (dépenses payées avec une carte personnelle)",
            address="ndf.<nom>@inqombox.com",
        ),
    },
    {
        "slug": "inqom-administratif",
        "name": "Inqom Administratif",
        "kind": "connector",
        "connector_key": "inqom-administratif",
        "position": 14,
        "description": _CONNECTOR_TEXT.format(
            what="Administratif (contrats, bail, CGV, Kbis…, hors comptabilité)",
            address="admin.<nom>@inqombox.com",
        ),
    },
]


def catalogue_seed(partner_app_model: type[Model]) -> None:
    """Creates or updates the Inqom apps; running it again changes nothing."""
    companion_of = None
    for fields in INQOM_APPS:
        fields = dict(fields)
        slug = fields.pop("slug")
        app, _created = partner_app_model._default_manager.update_or_create(
            slug=slug, defaults={**fields, "companion_of": companion_of}
        )
        if slug == "inqom":
            companion_of = app
