"""Whether a connector can take a company's documents now, as expressions for other queries:
its app installed by the company's cabinet, the company authorised with a collection address.
`OuterRef` names are those of the outer query's fields."""

from django.db.models import Exists, OuterRef, Subquery

from ..models import CabinetApp, CompanyAuthorization, Delivery


def app_installed(*, cabinet: str, app: str = "app_id") -> Exists:
    """True when the cabinet (outer field `cabinet`) installed the app (outer field `app`)."""
    return Exists(CabinetApp.objects.filter(cabinet_id=OuterRef(cabinet), app_id=OuterRef(app)))


def collection_address(*, company: str, app: str = "app_id") -> Subquery:
    """The company's collection address for the app when it is authorised, else NULL."""
    return Subquery(
        CompanyAuthorization.objects.effective()
        .filter(company_id=OuterRef(company), app_id=OuterRef(app))
        .values("collection_email")[:1]
    )


def delivery_readiness(*, delivery: Delivery) -> tuple[bool, str | None]:
    """(app installed, current collection address) for one delivery's company and app."""
    installed = CabinetApp.objects.filter(
        cabinet_id=delivery.company.cabinet_id, app_id=delivery.app_id
    ).exists()
    address = (
        CompanyAuthorization.objects.effective()
        .filter(company_id=delivery.company_id, app_id=delivery.app_id)
        .values_list("collection_email", flat=True)
        .first()
    )
    return installed, address
