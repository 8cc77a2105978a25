"""Factories of the world tests stand in: cabinets, companies, staff and clients."""

import factory
from factory.django import DjangoModelFactory

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
