from django.contrib.auth.backends import ModelBackend

from .models import User
from .models.user import normalize_email


class CabinetEmailBackend(ModelBackend):
    """Email and password, looked up inside the request's cabinet.

    A user of another cabinet, or platform support on a cabinet's host, is simply not found:
    the answer is the same as for a wrong password."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = email or username
        if request is None or email is None or password is None:
            return None
        cabinet = getattr(request, "cabinet", None)
        candidates = User.objects.filter(email=normalize_email(email))
        if cabinet is not None:
            candidates = candidates.filter(cabinet=cabinet)
        elif getattr(request, "is_platform_request", False):
            candidates = candidates.filter(cabinet__isnull=True, is_superuser=True)
        else:
            return None
        user = candidates.first()
        if user is None:
            # Hash anyway, so that an unknown address takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
