from django.conf import settings


def portal(request):
    """The cabinet of the request and the settings gear entries the user may see."""
    cabinet = getattr(request, "cabinet", None)
    user = getattr(request, "user", None)
    menu = []
    if user is not None and user.is_authenticated and getattr(user, "is_cabinet_staff", False):
        menu = [
            {"label": label, "url_name": url_name}
            for label, url_name, role in settings.SETTINGS_MENU
            if role == "staff" or user.is_cabinet_admin
        ]
    return {
        "cabinet": cabinet,
        "settings_menu": menu,
        "company_home_url_name": settings.COMPANY_HOME_URL_NAME,
    }
