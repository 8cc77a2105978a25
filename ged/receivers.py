from django.dispatch import receiver
from django.utils import timezone

from welyb_portal.tenancy.signals import company_created

from .services.tree import company_tree_create


@receiver(company_created, dispatch_uid="ged.company_tree")
def give_new_company_its_tree(sender, company, by, **kwargs):
    company_tree_create(company=company, year=timezone.localdate().year, by=by)
