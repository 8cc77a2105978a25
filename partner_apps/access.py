from django.http import Http404

from welyb_portal.tenancy.access import id_or_404
from welyb_portal.tenancy.models import User

from .models import Delivery


def access_delivery(user: User, delivery_id) -> Delivery:
    """A delivery of the user's cabinet, for its staff; the same 404 for anything else."""
    if not user.is_cabinet_staff:
        raise Http404
    try:
        return Delivery.objects.select_related("document", "app", "company").get(
            pk=id_or_404(delivery_id), company__cabinet_id=user.member_cabinet_id
        )
    except Delivery.DoesNotExist:
        raise Http404 from None
