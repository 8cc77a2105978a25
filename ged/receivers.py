from anymail.signals import inbound
from django.dispatch import receiver
from django.utils import timezone

from welyb_portal.tenancy.signals import company_created

from .services.inbound_addresses import inbound_addresses_ensure
from .services.inbound_receiving import inbound_email_receive
from .services.tree import company_tree_create


@receiver(company_created, dispatch_uid="ged.company_tree")
def give_new_company_its_tree(sender, company, by, **kwargs):
    company_tree_create(company=company, year=timezone.localdate().year, by=by)
    inbound_addresses_ensure(company=company)


@receiver(inbound, dispatch_uid="ged.inbound_email")
def file_inbound_email(sender, event, esp_name, **kwargs):
    inbound_email_receive(
        message=event.message, event_id=event.event_id, esp=esp_name, esp_event=event.esp_event
    )
