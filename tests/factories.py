"""Factories of the world tests stand in: cabinets, companies, staff and clients, and the rows
that tests write behind the services' back (deliveries, received emails)."""

import factory
from factory.django import DjangoModelFactory

from ged.models import InboundEmail, InboundStatus
from partner_apps.models import Delivery, PartnerApp
from welyb_portal.tenancy.models import Cabinet, Company, Membership, Role, User
from welyb_portal.tenancy.validators import luhn_is_valid

PASSWORD = "correct horse battery staple"


def valid_siren(n: int) -> str:
    """The n-th nine-digit number whose Luhn key is right."""
    base = f"{n:08d}"[-8:]
    return next(base + str(d) for d in range(10) if luhn_is_valid(base + str(d)))


class CabinetFactory(DjangoModelFactory):
    class Meta:
        model = Cabinet
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Cabinet Fiduciaire {n}")
    slug = factory.Sequence(lambda n: f"cabinet{n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    cabinet = factory.SubFactory(CabinetFactory)
    name = factory.Sequence(lambda n: f"Entreprise {n}")
    siren = factory.Sequence(lambda n: valid_siren(40_000_000 + n))

    @factory.post_generation
    def inbound_addresses(company, create, extracted, **kwargs):
        """Its deposit-by-email addresses, as every company gets them when it is created."""
        if create:
            from ged.services.inbound_addresses import inbound_addresses_ensure

            inbound_addresses_ensure(company=company)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    cabinet = factory.SubFactory(CabinetFactory)
    email = factory.Sequence(lambda n: f"user{n}@exemple.fr")
    role = Role.COLLABORATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@cabinet.fr")


class CollaboratorFactory(UserFactory):
    role = Role.COLLABORATOR
    email = factory.Sequence(lambda n: f"collaborateur{n}@cabinet.fr")


class ClientFactory(UserFactory):
    """A client of the given companies: ClientFactory(companies=[company])."""

    role = Role.CLIENT
    email = factory.Sequence(lambda n: f"client{n}@entreprise.fr")

    @factory.post_generation
    def companies(obj, create, extracted, **kwargs):
        for company in extracted or ():
            Membership.objects.create(user=obj, company=company)


class SuperuserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    cabinet = None
    is_superuser = True
    role = ""
    email = factory.Sequence(lambda n: f"support{n}@plateforme.fr")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DeliveryFactory(DjangoModelFactory):
    """A delivery of a document (required) to Inqom Achats unless `app` says, as the outbox
    writes it: the document's company, cabinet and bytes. DeliveryFactory(document=document,
    status=DeliveryStatus.FAILED, reason="...")."""

    class Meta:
        model = Delivery

    app = factory.LazyFunction(lambda: PartnerApp.objects.get(slug="inqom-achats"))
    company = factory.SelfAttribute("document.company")
    cabinet = factory.SelfAttribute("company.cabinet")
    sha256 = factory.SelfAttribute("document.sha256")


NO_ATTACHMENT = "Aucune pièce jointe à déposer."


class InboundEmailFactory(DjangoModelFactory):
    """An email received at a deposit address (`address`: then its company and recipient), or
    at no known one, refused for want of an attachment unless told otherwise."""

    class Meta:
        model = InboundEmail

    key = factory.Sequence(lambda n: f"email-{n}")
    address = None
    company = factory.LazyAttribute(lambda email: email.address and email.address.company)
    recipient = factory.LazyAttribute(
        lambda email: f"{email.address.local_part}@depot.localhost" if email.address else ""
    )
    sender = "compta@fournisseur.fr"
    subject = "Facture de mars"
    status = InboundStatus.REFUSED
    reason = factory.LazyAttribute(
        lambda email: NO_ATTACHMENT if email.status == InboundStatus.REFUSED else ""
    )
