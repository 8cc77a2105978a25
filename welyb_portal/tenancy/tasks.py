from celery import shared_task

from .emails import account_email_send
from .models import Company, User
from .services.digests import digest_send, digests_sweep
from .services.tokens import api_tokens_purge


@shared_task
def send_account_email(user_id: int, kind: str, company_id: int | None = None) -> None:
    """Sends an account email. Ids, not objects, cross the broker; a row deleted meanwhile
    means there is nobody left to write to."""
    user = User.objects.select_related("cabinet").filter(pk=user_id, cabinet__isnull=False).first()
    if user is None:
        return
    company = (
        Company.objects.filter(pk=company_id, cabinet_id=user.member_cabinet_id).first()
        if company_id
        else None
    )
    account_email_send(user=user, kind=kind, company=company)


@shared_task(ignore_result=True)
def send_notification_digest(digest_id: int) -> None:
    """One try at a digest, once it is due. Only its id crosses the broker; the row says the
    rest, and a digest someone else claimed, or not due yet, is left alone."""
    digest_send(digest_id=digest_id)


@shared_task(ignore_result=True)
def sweep_notification_digests() -> int:
    """Celery beat, every FAILURE_DIGEST_SWEEP_SECONDS: the digests nobody picked up."""
    return digests_sweep()


@shared_task(ignore_result=True)
def purge_expired_api_tokens() -> int:
    """Celery beat, every night: the API tokens unused for API_TOKEN_DAYS days."""
    return api_tokens_purge()
