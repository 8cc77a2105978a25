from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import LoginForm, PasswordResetRequestForm
from ..models import User
from ..selectors import two_factor_enabled
from ..services.two_factor import two_factor_backoff_reset
from ..services.users import password_reset_request
from ..throttling import client_ip, login_failures_forget
from ..two_factor import pending_login_start

if TYPE_CHECKING:
    from ..http import CabinetRequest


def _needs_code(user: User) -> bool:
    return user.is_cabinet_staff and two_factor_enabled(user=user)


class LoginView(auth_views.LoginView):
    """Email and password. A staff member with two-factor authentication is not logged in yet:
    the code page (views/two_factor.py) finishes the login."""

    form_class = LoginForm
    template_name = "tenancy/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if _needs_code(user):
            pending_login_start(self.request, user=user, next_url=self.get_success_url())
            return redirect("tenancy:login-code")
        return super().form_valid(form)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Where an invited user chooses a password, and where a reset link leads.

    The link works on its own cabinet's host only."""

    template_name = "tenancy/set_password.html"
    post_reset_login = True
    # login() without authenticate() must name its backend once there are several. The login
    # resets the address's failed attempts, so a new password also lifts a lock.
    post_reset_login_backend = "welyb_portal.tenancy.backends.CabinetEmailBackend"
    success_url = reverse_lazy("home")
    request: "CabinetRequest"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or user.cabinet_id != self.request.cabinet.pk or not user.is_active:
            return None
        return user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user: User | None = getattr(self, "user", None)
        context["is_invitation"] = user is not None and not user.has_usable_password()
        return context

    def form_valid(self, form):
        user = form.user
        if not _needs_code(user):
            response = super().form_valid(form)
            messages.success(self.request, _("Votre mot de passe est enregistré. Bienvenue !"))
            return response
        # A reset link proves the mailbox, not the phone: the code is still asked. The new
        # password lifts the lock and the app's back-off all the same, as it would lift the lock
        # of a password login: whoever failed codes with the old password keeps nobody out.
        self.post_reset_login = False
        super().form_valid(form)
        login_failures_forget(self.request, email=user.email)
        two_factor_backoff_reset(user=user)
        user.backend = self.post_reset_login_backend
        pending_login_start(self.request, user=user, next_url=str(self.success_url))
        messages.success(
            self.request,
            _(
                "Votre mot de passe est enregistré. Saisissez le code de votre application "
                "d'authentification pour vous connecter."
            ),
        )
        return redirect("tenancy:login-code")


@require_http_methods(["GET", "POST"])
def password_forgotten(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(
            cabinet=request.cabinet, email=form.cleaned_data["email"], client_ip=client_ip(request)
        )
        messages.info(
            request,
            _(
                "Si un compte existe pour cette adresse, un email vient de lui être envoyé "
                "avec un lien pour choisir un nouveau mot de passe."
            ),
        )
        return redirect("tenancy:login")
    return render(request, "tenancy/password_forgotten.html", {"form": form})
