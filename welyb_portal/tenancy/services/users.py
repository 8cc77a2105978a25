from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..emails import AccountEmail
from ..models import Cabinet, Company, Membership, Role, User
from ..models.user import STAFF_ROLES, normalize_email
from ..rate_limits import rate_limit_hit
from ..tasks import send_account_email
from .audit import audit_record


def _email_enqueue(*, user: User, kind: str, company: Company | None = None) -> None:
    company_id = company.pk if company is not None else None
    transaction.on_commit(lambda: send_account_email.delay(user.pk, kind, company_id))


def _clean_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    return email


def _new_user(
    *, cabinet: Cabinet, email: str, role: str, full_name: str, password: str | None
) -> User:
    user = User(cabinet=cabinet, email=email, role=role, full_name=(full_name or "").strip())
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Another request created the same address a moment ago.
        raise ValidationError({"email": [_("Cette adresse email est déjà utilisée.")]}) from error
    return user


@transaction.atomic
def client_invite(
    *,
    company: Company,
    email: str,
    by: User | None,
    password: str | None = None,
    full_name: str = "",
) -> User:
    """Gives a person access to a company as its client.

    A new address becomes a client account. Without a password it has none yet: an invitation
    email, sent once the transaction commits, carries a link to choose one. A client of the
    cabinet who already has an account gets access to this company too, and an email saying so.
    Refused with field errors: a malformed address, the address of a member of the cabinet's
    staff, a client who already has access, a password for an existing account or one that
    Django's validators reject.
    """
    email = _clean_email(email)
    user = (
        User.objects.select_for_update().filter(cabinet_id=company.cabinet_id, email=email).first()
    )
    if user is not None:
        if user.is_cabinet_staff:
            raise ValidationError(
                {"email": [_("Cette adresse appartient à un membre du cabinet.")]}
            )
        if Membership.objects.filter(user=user, company=company).exists():
            raise ValidationError({"email": [_("Ce client a déjà accès à cette entreprise.")]})
        if password:
            raise ValidationError(
                {"password": [_("Ce client a déjà un compte : son mot de passe reste le sien.")]}
            )
        if not user.is_active:
            raise ValidationError({"email": [_("Ce compte est désactivé.")]})
        created = False
    else:
        user = _new_user(
            cabinet=company.cabinet,
            email=email,
            role=Role.CLIENT,
            full_name=full_name,
            password=password,
        )
        created = True
    Membership.objects.create(user=user, company=company, invited_by=by)
    audit_record(
        cabinet=company.cabinet,
        actor=by,
        action="client.invited",
        target=user,
        data={"company_id": company.pk, "company": company.name, "new_account": created},
    )
    if not user.has_usable_password():
        _email_enqueue(user=user, kind=AccountEmail.INVITATION, company=company)
    elif not created:
        _email_enqueue(user=user, kind=AccountEmail.ACCESS, company=company)
    return user


@transaction.atomic
def membership_revoke(*, company: Company, user: User, by: User) -> None:
    """Takes a client's access to a company away; the account and its other accesses remain."""
    deleted, _rows = Membership.objects.filter(company=company, user=user).delete()
    if deleted:
        audit_record(
            cabinet=company.cabinet,
            actor=by,
            action="client.access_revoked",
            target=user,
            data={"company_id": company.pk, "company": company.name},
        )


@transaction.atomic
def staff_invite(*, cabinet: Cabinet, email: str, role: str, by: User, full_name: str = "") -> User:
    """Adds an admin or a collaborator to the cabinet; an invitation email follows the commit."""
    if role not in STAFF_ROLES:
        raise ValidationError({"role": [_("Rôle inconnu.")]})
    email = _clean_email(email)
    if User.objects.filter(cabinet=cabinet, email=email).exists():
        raise ValidationError({"email": [_("Cette adresse email est déjà utilisée.")]})
    user = _new_user(cabinet=cabinet, email=email, role=role, full_name=full_name, password=None)
    audit_record(
        cabinet=cabinet, actor=by, action="staff.invited", target=user, data={"role": role}
    )
    _email_enqueue(user=user, kind=AccountEmail.INVITATION)
    return user


def _other_active_admins(user: User) -> QuerySet[User]:
    return User.objects.filter(
        cabinet_id=user.member_cabinet_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=user.pk)


@transaction.atomic
def staff_role_set(*, user: User, role: str, by: User) -> User:
    """Changes a staff member's role. The cabinet always keeps at least one active admin."""
    if not user.is_cabinet_staff or role not in STAFF_ROLES:
        raise ValidationError({"role": [_("Rôle inconnu.")]})
    # Lock the cabinet's admins so that two admins demoting each other cannot both succeed.
    list(
        User.objects.select_for_update().filter(cabinet_id=user.member_cabinet_id, role=Role.ADMIN)
    )
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user).exists():
        raise ValidationError({"role": [_("Le cabinet doit garder au moins un administrateur.")]})
    old = user.role
    if old != role:
        user.role = role
        user.save(update_fields=["role"])
        audit_record(
            cabinet=user.cabinet,
            actor=by,
            action="staff.role_changed",
            target=user,
            data={"old": old, "new": role},
        )
    return user


@transaction.atomic
def user_active_set(*, user: User, active: bool, by: User) -> User:
    """Deactivates or reactivates an account: a deactivated user can no longer log in, and
    their sessions and API token stop working at once."""
    if user.pk == by.pk and not active:
        raise ValidationError(
            {"is_active": [_("Vous ne pouvez pas désactiver votre propre compte.")]}
        )
    list(
        User.objects.select_for_update().filter(cabinet_id=user.member_cabinet_id, role=Role.ADMIN)
    )
    if not active and user.role == Role.ADMIN and not _other_active_admins(user).exists():
        raise ValidationError(
            {"is_active": [_("Le cabinet doit garder au moins un administrateur.")]}
        )
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            cabinet=user.cabinet,
            actor=by,
            action="user.activated" if active else "user.deactivated",
            target=user,
        )
    return user


@transaction.atomic
def invitation_resend(*, user: User, by: User, company: Company | None = None) -> None:
    """Sends a new invitation link to an active account whose password was never chosen
    (naming the company it was invited to, when given)."""
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé."))
    if user.has_usable_password():
        raise ValidationError(_("Ce compte a déjà choisi son mot de passe."))
    audit_record(cabinet=user.cabinet, actor=by, action="user.invitation_resent", target=user)
    _email_enqueue(user=user, kind=AccountEmail.INVITATION, company=company)


def password_reset_request(*, cabinet: Cabinet, email: str, client_ip: str | None) -> None:
    """Sends a reset link when the address is an active account of this cabinet, through the
    account-email task once the transaction commits. Says nothing either way, so that nobody
    can learn which addresses have an account.

    Sends nothing, just as silently, past PASSWORD_RESET_PER_ADDRESS_PER_HOUR requests for this
    address on this cabinet or PASSWORD_RESET_PER_IP_PER_HOUR from `client_ip` (known or unknown
    addresses alike): the caller answers the same whatever happened here."""
    email = normalize_email(email)
    if client_ip is not None and not rate_limit_hit(
        scope="password-reset-ip", key=client_ip, limit=settings.PASSWORD_RESET_PER_IP_PER_HOUR
    ):
        # Not counted against the address either: a client held back cannot go on spending
        # other people's allowance.
        return
    if not rate_limit_hit(
        scope="password-reset-address",
        key=f"{cabinet.pk}:{email}",
        limit=settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR,
    ):
        return
    user = User.objects.filter(cabinet=cabinet, email=email, is_active=True).first()
    if user is not None:
        with transaction.atomic():
            _email_enqueue(user=user, kind=AccountEmail.PASSWORD_RESET)
