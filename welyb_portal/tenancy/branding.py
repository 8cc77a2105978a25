"""A cabinet's colours turned into the CSS custom properties of its pages."""

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .models import Cabinet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#1b1f24"
# The pages' cards (--surface in portal.css), on which links take the primary colour.
SURFACE = "#ffffff"
# WCAG 2, level AA, for text of normal size.
AA_NORMAL_TEXT = 4.5


def _channels(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(hex_color: str) -> float:
    """WCAG 2 relative luminance, from 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_text_on(background: str) -> str:
    """White or near-black, whichever reads better on the background."""
    if contrast_ratio(background, LIGHT_TEXT) >= contrast_ratio(background, DARK_TEXT):
        return LIGHT_TEXT
    return DARK_TEXT


@dataclass(frozen=True)
class Theme:
    primary: str
    on_primary: str
    accent: str
    on_accent: str


def theme_of(cabinet: Cabinet) -> Theme:
    return Theme(
        primary=cabinet.primary_color,
        on_primary=readable_text_on(cabinet.primary_color),
        accent=cabinet.accent_color,
        on_accent=readable_text_on(cabinet.accent_color),
    )


@dataclass(frozen=True)
class ContrastCheck:
    """One pair of colours the pages put text in: `field`'s colour as the background (the text
    chosen by `readable_text_on`), or as the text itself on the white cards (`on_surface`)."""

    key: str
    label: "StrOrPromise"
    field: str
    on_surface: bool
    ratio: float

    @property
    def readable(self) -> bool:
        return self.ratio >= AA_NORMAL_TEXT

    @property
    def ratio_text(self) -> str:
        # Rounded down, so that a ratio under the threshold never reads as the threshold.
        return number_format(math.floor(self.ratio * 100) / 100, 2)


_CHECKS = [
    ("primary-text", _("Texte sur la couleur principale"), "primary_color", False),
    ("primary-links", _("Liens de la couleur principale sur fond blanc"), "primary_color", True),
    ("accent-text", _("Texte sur la couleur d'accent"), "accent_color", False),
]


def contrast_checks(*, primary_color: str, accent_color: str) -> list[ContrastCheck]:
    """The contrast of each text the pages draw with the cabinet's colours, against WCAG AA
    (4.5:1). A warning, never a refusal: the cabinet keeps the colours it chose."""
    colors = {"primary_color": primary_color, "accent_color": accent_color}
    checks = []
    for key, label, field, on_surface in _CHECKS:
        color = colors[field]
        other = SURFACE if on_surface else readable_text_on(color)
        checks.append(ContrastCheck(key, label, field, on_surface, contrast_ratio(color, other)))
    return checks
