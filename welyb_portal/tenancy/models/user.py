from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..signals import password_changed
from .cabinet import Cabinet

if TYPE_CHECKING:
    from django_otp.models import Device


def normalize_email(email: str) -> str:
    """Addresses are compared without case: "Marie@Exemple.fr" logs in as marie@exemple.fr."""
    return (email or "").strip().lower()


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    COLLABORATOR = "collaborator", _("Collaborateur")
    CLIENT = "client", _("Client")


STAFF_ROLES = (Role.ADMIN, Role.COLLABORATOR)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Cabinet users are looked up by the authentication backend, inside their cabinet;
        # natural keys (createsuperuser, fixtures) name platform users.
        return self.get(email=normalize_email(email), cabinet__isnull=True)

    def create_user(self, email, password=None, **fields):
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_superuser=True, cabinet=None, role="")
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in with an email address.

    A cabinet user belongs to one cabinet, as its admin, its collaborator, or the client of one
    or more of its companies. Platform support staff are superusers of no cabinet.
    """

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    email = models.EmailField(_("adresse email"), max_length=254)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, blank=True)
    companies = models.ManyToManyField(
        "tenancy.Company",
        through="tenancy.Membership",
        through_fields=("user", "company"),
        related_name="clients",
        blank=True,
        verbose_name=_("entreprises"),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    # The email digest of notifications: None follows the role (see receives_digest) until the
    # person chooses.
    notification_digest = models.BooleanField(_("récapitulatif par email"), null=True, blank=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # AbstractBaseUser's new raw password until the next save (set_password).
    _password: str | None
    # Set on the instance by authenticate(): the backend that accepted it.
    backend: str
    # Set on the instance by django-otp once a device verified the session.
    otp_device: "Device | None"

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet", "email"],
                name="unique_email_per_cabinet",
                violation_error_message=_("Cette adresse email est déjà utilisée."),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(cabinet__isnull=True),
                name="unique_platform_email",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(cabinet__isnull=True, is_superuser=True, role="")
                    | models.Q(cabinet__isnull=False, is_superuser=False, role__in=Role.values)
                ),
                name="user_is_platform_support_or_cabinet_member",
                violation_error_message=_(
                    "Un utilisateur de cabinet a un rôle et n'est pas superutilisateur ; le "
                    "support de la plateforme n'appartient à aucun cabinet."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def set_unusable_password(self):
        super().set_unusable_password()
        # Django's save() notices a new password (set_password) but not a removed one.
        self._password_removed = True

    def save(self, *args, **kwargs):
        # Django forgets the new password once saved (and a rehash at login never sets it).
        removed = self.__dict__.pop("_password_removed", False)
        changed = not self._state.adding and (self._password is not None or removed)
        super().save(*args, **kwargs)
        if changed:
            password_changed.send(sender=type(self), user=self)

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def is_staff(self) -> bool:
        """Django admin access: platform support only (never cabinet staff)."""
        return self.is_superuser

    # A cabinet user's cabinet, for the code that serves cabinet users only (the lookups scoped
    # to the cabinet, its emails). Platform support belongs to none and never acts inside a
    # cabinet (the middleware turns it into an anonymous visitor on a cabinet's host): asking
    # for its cabinet is a bug, said at once rather than a query for the rows of no cabinet.
    @property
    def member_cabinet_id(self) -> int:
        if self.cabinet_id is None:
            raise LookupError(f"User {self.pk} is platform support: no cabinet.")
        return self.cabinet_id

    @property
    def member_cabinet(self) -> Cabinet:
        if self.cabinet is None:
            raise LookupError(f"User {self.pk} is platform support: no cabinet.")
        return self.cabinet

    @property
    def is_cabinet_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_cabinet_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def digest_by_default(self) -> bool:
        """Admins receive the email digest of their notifications unless they turn it off;
        collaborators do not unless they turn it on."""
        return self.role == Role.ADMIN

    @property
    def receives_digest(self) -> bool:
        if self.notification_digest is None:
            return self.digest_by_default
        return self.notification_digest

    @property
    def display_name(self) -> str:
        return self.full_name or self.email
