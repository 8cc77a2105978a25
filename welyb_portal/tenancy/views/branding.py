import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..branding import contrast_checks, theme_of
from ..forms import BrandingForm, form_add_service_errors
from ..permissions import admin_required
from ..services.branding import branding_update

# Served with a version in the URL (the cabinet's updated_at), so browsers may keep them.
ASSET_CACHE_SECONDS = 7 * 24 * 3600


@admin_required
@require_http_methods(["GET", "POST"])
def branding_page(request):
    cabinet = request.cabinet
    form = BrandingForm(
        request.POST or None,
        request.FILES or None,
        initial={"primary_color": cabinet.primary_color, "accent_color": cabinet.accent_color},
    )
    if request.method == "POST" and form.is_valid():
        try:
            branding_update(
                cabinet=cabinet,
                by=request.user,
                primary_color=form.cleaned_data["primary_color"],
                accent_color=form.cleaned_data["accent_color"],
                logo=form.cleaned_data["logo"],
                remove_logo=form.cleaned_data["remove_logo"],
            )
        except ValidationError as error:
            cabinet.refresh_from_db()
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Personnalisation enregistrée."))
            checks = contrast_checks(
                primary_color=cabinet.primary_color, accent_color=cabinet.accent_color
            )
            for check in (check for check in checks if not check.readable):
                messages.warning(
                    request,
                    _(
                        "%(what)s : contraste de %(ratio)s:1, sous les 4,5:1 du niveau AA des "
                        "WCAG. Ces couleurs sont enregistrées, mais ce texte sera difficile à lire."
                    )
                    % {"what": check.label, "ratio": check.ratio_text},
                )
            return redirect("tenancy:branding")
    checks = contrast_checks(primary_color=cabinet.primary_color, accent_color=cabinet.accent_color)
    context = {
        "form": form,
        "contrast_checks": checks,
        "contrast_unreadable": any(not check.readable for check in checks),
    }
    return render(request, "tenancy/branding.html", context, status=400 if form.errors else 200)


@require_GET
def theme_css(request):
    """The cabinet's colours as CSS custom properties (a stylesheet, not inline style, so that
    the Content-Security-Policy needs no 'unsafe-inline')."""
    css = render_to_string("tenancy/theme.css", {"theme": theme_of(request.cabinet)})
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={ASSET_CACHE_SECONDS}"
    response["ETag"] = f'"{hashlib.sha256(css.encode()).hexdigest()[:32]}"'
    return response


@require_GET
def logo(request):
    """The cabinet's logo, shown on every page of its host, the login page included."""
    cabinet = request.cabinet
    if not cabinet.logo:
        raise Http404
    try:
        file = cabinet.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = cabinet.logo.name.rsplit(".", 1)[-1]
    content_type = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}.get(extension)
    if content_type is None:
        raise Http404
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={ASSET_CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
