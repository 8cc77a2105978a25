"""A cabinet's colours turned into the CSS custom properties of its pages."""

from dataclasses import dataclass

from .models import Cabinet

LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#1b1f24"


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
