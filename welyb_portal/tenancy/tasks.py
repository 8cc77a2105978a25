from celery import shared_task

from .emails import account_email_send
from .models import Company, User


@shared_task
def send_account_email(user_id: int, kind: str, company_id: int | None = None) -> None:
    """Sends an account email. Ids, not objects, cross the broker; a row deleted meanwhile
    means there is nobody left to write to."""
    user = User.objects.select_related("cabinet").filter(pk=user_id, cabinet__isnull=False).first()
    if user is None:
        return
    company = (
        Company.objects.filter(pk=company_id, cabinet_id=user.cabinet_id).first()
        if company_id
        else None
    )
    account_email_send(user=user, kind=kind, company=company)
