"""Every id that comes from a request is looked up here, inside the request user's cabinet and
the companies they may see. A foreign id and a missing one raise the same Http404, so that an
answer never tells whether an object exists elsewhere (Zulip's access_* helpers). A value that
cannot be an id (see `request_id`) is as unknown as a missing one."""

from django.http import Http404

from .models import Company, Notification, User
from .models.user import STAFF_ROLES
from .selectors import company_list
from .validators import request_id


class ExplainedNotFound(Http404):
    """A 404 whose page says why, in French, to someone who may know that the object existed
    (a document of their own company put in the trash): `sentence`, and the link that helps
    (`link_url`, `link_label`), if any. Pages only: the API answers its usual 404."""

    def __init__(self, sentence: str, *, link_url: str = "", link_label: str = ""):
        # No message for Http404 itself: the API (DRF) would answer it instead of its usual 404.
        super().__init__()
        self.sentence = sentence
        self.link_url = link_url
        self.link_label = link_label


def id_or_404(value) -> int:
    """The id a request names, or the 404 of a missing object when the value cannot be one."""
    pk = request_id(value)
    if pk is None:
        raise Http404
    return pk


def access_company(user: User, company_id) -> Company:
    """A company the user may see: any company of their cabinet for staff, their own for a
    client."""
    try:
        return company_list(user=user).select_related("cabinet").get(pk=id_or_404(company_id))
    except Company.DoesNotExist:
        raise Http404 from None


def access_companies(user: User, company_ids) -> list[Company]:
    """The companies a form names (a page of rows), in name order, in one query: each as
    `access_company` finds it, and the one 404 as soon as any id names none of them."""
    ids = {id_or_404(value) for value in company_ids}
    companies = list(company_list(user=user).select_related("cabinet").filter(pk__in=ids))
    if len(companies) != len(ids):
        raise Http404
    return companies


def access_staff_member(user: User, staff_id) -> User:
    """An admin or collaborator of the user's cabinet."""
    try:
        return User.objects.get(
            pk=id_or_404(staff_id), cabinet_id=user.member_cabinet_id, role__in=STAFF_ROLES
        )
    except User.DoesNotExist:
        raise Http404 from None


def access_company_client(user: User, company: Company, client_id) -> User:
    """A client of a company the user already had access to."""
    try:
        return User.objects.get(pk=id_or_404(client_id), memberships__company=company)
    except User.DoesNotExist:
        raise Http404 from None


def access_notification(user: User, notification_id) -> Notification:
    """One of the user's own notifications (a colleague's is as unknown as a missing one)."""
    try:
        return Notification.objects.get(pk=id_or_404(notification_id), user=user)
    except Notification.DoesNotExist:
        raise Http404 from None
