"""Every id that comes from a request is looked up here, inside the request user's cabinet and
the companies they may see. A foreign id and a missing one raise the same Http404, so that an
answer never tells whether an object exists elsewhere (Zulip's access_* helpers)."""

from django.http import Http404

from .models import Company, Notification, User
from .models.user import STAFF_ROLES
from .selectors import company_list


def access_company(user: User, company_id) -> Company:
    """A company the user may see: any company of their cabinet for staff, their own for a
    client."""
    try:
        return company_list(user=user).select_related("cabinet").get(pk=int(company_id))
    except (Company.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def access_staff_member(user: User, staff_id) -> User:
    """An admin or collaborator of the user's cabinet."""
    try:
        return User.objects.get(pk=int(staff_id), cabinet_id=user.cabinet_id, role__in=STAFF_ROLES)
    except (User.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def access_company_client(user: User, company: Company, client_id) -> User:
    """A client of a company the user already had access to."""
    try:
        return User.objects.get(pk=int(client_id), memberships__company=company)
    except (User.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def access_notification(user: User, notification_id) -> Notification:
    """One of the user's own notifications (a colleague's is as unknown as a missing one)."""
    try:
        return Notification.objects.get(pk=int(notification_id), user=user)
    except (Notification.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
