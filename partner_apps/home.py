"""The tiles the store puts on the cabinet's home page (named in settings.HOME_TILES)."""

from .models import AppKind
from .selectors import installed_apps


def home_tiles(request) -> list[dict]:
    """Installed link apps shown on the home page, for the cabinet's staff only: clients never
    learn which tools the cabinet uses."""
    user = request.user
    if not getattr(user, "is_cabinet_staff", False):
        return []
    return [
        {"name": app.name, "url": app.url, "description": app.description}
        for app in installed_apps(cabinet=request.cabinet).filter(
            kind=AppKind.LINK, visible_on_home=True
        )
    ]
