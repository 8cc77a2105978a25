"""Two-factor authentication of cabinet staff, in the browser: the login's second step, and
« Sécurité du compte » (enable, replace the app, new recovery codes, disable)."""

import textwrap

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from ..forms import (
    CodeConfirmForm,
    LoginCodeForm,
    TwoFactorEnableForm,
    form_add_service_errors,
    posted_data,
)
from ..permissions import staff_required
from ..plurals import nplural
from ..selectors import two_factor_enabled, two_factor_status
from ..services.two_factor import (
    recovery_codes_regenerate,
    two_factor_disable,
    two_factor_enable,
    two_factor_verify,
)
from ..throttling import login_attempt_allowed, login_failure_record
from ..two_factor import (
    enrolment_finish,
    enrolment_key,
    pending_login,
    pending_login_finish,
    qr_code_svg,
    session_forget_two_factor,
    totp_config_url,
    totp_secret,
)
from .lockout import login_locked


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """After the password, the code of the authenticator app (or a recovery code). The session
    is logged in only once the code is right; a wrong one counts as a failed login."""
    pending = pending_login(request)
    if pending is None:
        if request.method == "POST":
            messages.info(
                request, _("Votre connexion a expiré : saisissez à nouveau votre mot de passe.")
            )
        return redirect("tenancy:login")
    form = LoginCodeForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        email = pending.user.email
        if not login_attempt_allowed(request, email=email):
            return login_locked(request)
        try:
            device = two_factor_verify(user=pending.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            if error.code == "invalid":
                login_failure_record(request, email=email)
            form.add_error("code", error.messages)
        else:
            pending_login_finish(request, pending, device)
            if isinstance(device, StaticDevice):
                _recovery_code_used(request, left=device.token_set.count())
            return redirect(pending.next_url)
    return render(
        request, "tenancy/login_code.html", {"form": form}, status=400 if form.errors else 200
    )


def _recovery_code_used(request, *, left: int) -> None:
    messages.warning(
        request,
        nplural(
            "Vous vous êtes connecté avec un code de secours : il vous en reste %(count)d. "
            "Générez-en de nouveaux dans « Sécurité du compte ».",
            "Vous vous êtes connecté avec un code de secours : il vous en reste %(count)d. "
            "Générez-en de nouveaux dans « Sécurité du compte ».",
            left,
        )
        % {"count": left},
    )


def _security_page(request, *, regenerate_form=None, disable_form=None, status=200):
    return render(
        request,
        "tenancy/account_security.html",
        {
            "status": two_factor_status(user=request.user),
            "required": request.cabinet.require_two_factor,
            "regenerate_form": regenerate_form or CodeConfirmForm(prefix="regenerate"),
            "disable_form": disable_form or CodeConfirmForm(prefix="disable"),
        },
        status=status,
    )


def _recovery_codes_page(request, codes: list[str], *, enabled: bool = False):
    """The recovery codes, shown this once (never stored in the session, never cached)."""
    return render(request, "tenancy/recovery_codes.html", {"codes": codes, "enabled": enabled})


@staff_required
@never_cache
@require_GET
def account_security_page(request):
    return _security_page(request)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_enable_page(request):
    """The QR code and the secret of a new authenticator app, confirmed by its first code; then
    the ten recovery codes. With an app already there, this replaces it (a new phone)."""
    replacing = two_factor_enabled(user=request.user)
    key = enrolment_key(request)
    form = TwoFactorEnableForm(posted_data(request), replacing=replacing)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enable(
                user=request.user,
                key=key,
                code=form.cleaned_data["code"],
                current_code=form.cleaned_data.get("current_code"),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            enrolment_finish(request, device)
            return _recovery_codes_page(request, codes, enabled=True)
    url = totp_config_url(key=key, account=request.user.email, issuer=request.cabinet.name)
    return render(
        request,
        "tenancy/two_factor_enable.html",
        {
            "form": form,
            "replacing": replacing,
            "required": request.cabinet.require_two_factor and not replacing,
            "qr_code": qr_code_svg(url, title=_("QR code à scanner avec votre application")),
            # In groups of four, as authenticator apps show and take it.
            "secret": " ".join(textwrap.wrap(totp_secret(key), 4)),
        },
        status=400 if form.errors else 200,
    )


@staff_required
@never_cache
@require_POST
def two_factor_recovery_codes_page(request):
    form = CodeConfirmForm(request.POST, prefix="regenerate")
    if form.is_valid():
        try:
            codes = recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.messages)
        else:
            return _recovery_codes_page(request, codes)
    return _security_page(request, regenerate_form=form, status=400)


@staff_required
@require_POST
def two_factor_disable_page(request):
    form = CodeConfirmForm(request.POST, prefix="disable")
    if form.is_valid():
        try:
            two_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            if error.code == "required_by_cabinet":
                # The page offers no such form then: the refusal is said above it.
                messages.error(request, " ".join(error.messages))
                return redirect("tenancy:account-security")
            form.add_error("code", error.messages)
        else:
            session_forget_two_factor(request)
            messages.success(request, _("Double authentification désactivée."))
            return redirect("tenancy:account-security")
    return _security_page(request, disable_form=form, status=400)
