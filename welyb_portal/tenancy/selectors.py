from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Cabinet, Company, Membership, Notification, Role, User
from .models.user import STAFF_ROLES
from .search import name_matches
from .validators import normalize_siren, search_text

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

_Key = TypeVar("_Key", bound=Hashable)


class OtherCompanies(TypedDict):
    # Whether the client is a client of another company of the cabinet too.
    has_other_companies: bool


@dataclass(frozen=True)
class HostSite:
    """What a host serves: a cabinet, the platform's own pages, or (embedded mode) both."""

    cabinet: Cabinet | None
    is_platform: bool


def host_site(hostname: str) -> HostSite | None:
    """The site behind a host name (no port, lower case); None for a host nobody owns.

    `<slug>.<PORTAL_DOMAIN>` is a cabinet's sub-domain, a custom domain names its cabinet, and
    the bare PORTAL_DOMAIN is the platform (in embedded mode it also serves the demo cabinet).
    One query at most."""
    domain = settings.PORTAL_DOMAIN
    active = Cabinet.objects.filter(is_active=True)
    if hostname == domain:
        slug = settings.BARE_DOMAIN_CABINET
        return HostSite(
            cabinet=active.filter(slug=slug).first() if slug else None, is_platform=True
        )
    label = hostname.removesuffix(f".{domain}")
    if label != hostname and "." not in label:
        cabinet = active.filter(slug=label).first()
    else:
        cabinet = active.filter(domains__domain=hostname).first()
    return HostSite(cabinet=cabinet, is_platform=False) if cabinet else None


def _company_search(companies: QuerySet[Company], query: str) -> QuerySet[Company]:
    query = search_text(query)
    if query:
        condition = name_matches(query)
        # A SIREN is found however the create form accepts it: "552 100 554", "552.100.554"...
        siren = normalize_siren(query)
        if siren.isascii() and siren.isdigit():
            condition |= Q(siren__startswith=siren)
        companies = companies.filter(condition)
    return companies.order_by("name", "id")


def company_list(*, user: User, query: str = "") -> QuerySet[Company]:
    """The companies a user may see (all the cabinet's for staff, their own for a client),
    filtered by name or SIREN, in name order."""
    companies = Company.objects.filter(cabinet_id=user.member_cabinet_id)
    if not user.is_cabinet_staff:
        companies = companies.filter(memberships__user=user)
    return _company_search(companies, query)


def company_list_of_cabinet(*, cabinet: Cabinet, query: str = "") -> QuerySet[Company]:
    """Every company of a cabinet, filtered by name or SIREN, in name order."""
    return _company_search(Company.objects.filter(cabinet=cabinet), query)


def company_list_with_client_counts(*, user: User, query: str = "") -> QuerySet[Company]:
    return company_list(user=user, query=query).annotate(client_count=Count("memberships"))


def company_clients(*, company: Company) -> QuerySet[User]:
    return User.objects.filter(memberships__company=company, role=Role.CLIENT).order_by("email")


def company_clients_with_other_companies(
    *, company: Company
) -> "QuerySet[WithAnnotations[User, OtherCompanies]]":
    """The company's clients, each with `has_other_companies`: whether they are a client of
    another company too (removing this company leaves them their account). One query."""
    others = Membership.objects.filter(user=OuterRef("pk")).exclude(company=company)
    return company_clients(company=company).annotate(has_other_companies=Exists(others))


def staff_list(*, cabinet: Cabinet) -> QuerySet[User]:
    return User.objects.filter(cabinet=cabinet, role__in=STAFF_ROLES).order_by("email")


def staff_list_with_two_factor(*, cabinet: Cabinet) -> QuerySet[User]:
    """The cabinet's staff, each with `has_two_factor`: one query."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return staff_list(cabinet=cabinet).annotate(has_two_factor=Exists(confirmed))


@dataclass(frozen=True)
class TwoFactorStatus:
    """What « Sécurité du compte » shows of a person's two-factor authentication."""

    enabled: bool
    enabled_at: datetime | None = None
    last_used_at: datetime | None = None
    recovery_codes_left: int = 0


def two_factor_enabled(*, user: User) -> bool:
    """Whether the person confirmed an authenticator app, so that their logins ask for a code.
    Only cabinet staff have one. One query."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_applies(*, user: User) -> bool:
    """Whether a login of this person must give a code: a member of the cabinet's staff who
    turned two-factor authentication on, or whose cabinet requires it. Never a client."""
    if not user.is_cabinet_staff:
        return False
    return (
        two_factor_enabled(user=user)
        or Cabinet.objects.filter(pk=user.member_cabinet_id, require_two_factor=True).exists()
    )


def two_factor_status(*, user: User) -> TwoFactorStatus:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return TwoFactorStatus(enabled=False)
    return TwoFactorStatus(
        enabled=True,
        enabled_at=device.created_at,
        last_used_at=device.last_used_at,
        recovery_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notifications_unread(*, user: User) -> QuerySet[Notification]:
    """What the bell counts (on an index of the unread)."""
    return Notification.objects.filter(user=user, read_at__isnull=True)


def counts_at_once(querysets: Mapping[_Key, QuerySet[Any]]) -> dict[_Key, int]:
    """How many rows each queryset holds, by the same keys, in one query: the top bar's bell and
    badges on every page cost one round trip instead of one each."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        try:
            sql, values = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(): nothing to ask
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted)")  # noqa: S608 - compiled querysets
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
