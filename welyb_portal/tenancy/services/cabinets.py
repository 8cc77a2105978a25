from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Cabinet, CabinetDomain, Role, User
from ..models.user import normalize_email
from .audit import audit_record


@transaction.atomic
def cabinet_create(
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str,
    domain: str | None = None,
    by: User | None = None,
) -> Cabinet:
    """Creates a cabinet, its first admin and, optionally, a custom domain.

    Raises ValidationError (field errors: slug, name, admin_email, admin_password, domain) and
    writes nothing when any of them is refused."""
    cabinet = Cabinet(slug=(slug or "").strip().lower(), name=(name or "").strip())
    errors = {}
    try:
        cabinet.full_clean(exclude=["logo"])
    except ValidationError as error:
        errors.update(error.message_dict)
    admin = User(cabinet=cabinet, email=normalize_email(admin_email), role=Role.ADMIN)
    try:
        admin.full_clean(exclude=["cabinet", "password"])
    except ValidationError as error:
        errors["admin_email"] = error.message_dict.get("email", error.messages)
    try:
        validate_password(admin_password, admin)
    except ValidationError as error:
        errors["admin_password"] = error.messages
    custom_domain = None
    if domain:
        custom_domain = CabinetDomain(domain=domain.strip().lower().strip("."), is_primary=False)
        try:
            custom_domain.full_clean(exclude=["cabinet"])
        except ValidationError as error:
            errors["domain"] = error.message_dict.get("domain", error.messages)
    if errors:
        raise ValidationError(errors)

    cabinet.save()
    admin.cabinet = cabinet
    admin.set_password(admin_password)
    admin.save()
    if custom_domain is not None:
        custom_domain.cabinet = cabinet
        custom_domain.save()
    audit_record(
        cabinet=cabinet,
        actor=by,
        action="cabinet.created",
        target=cabinet,
        data={"slug": cabinet.slug, "admin": admin.email, "domain": domain or ""},
    )
    return cabinet
