import re

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import get_format

from ..typography import french_elision

register = template.Library()

# Django's day of the month ("j"), where it is a format character: not after a backslash.
_DAY = re.compile(r"(?<!\\)j")


@register.filter
def pluriel(count, suffix: str = "s") -> str:
    """French plural: "0 ligne", "1 ligne", "2 lignes" (Django's pluralize says "0 lignes")."""
    try:
        return suffix if int(count) > 1 else ""
    except (TypeError, ValueError):
        return ""


# Names starting with h or y are left unelided: French elides before some and not others.
_VOWELS = "aeiouâàäéèêëîïôöûùüœæ"


@register.filter
def elide(name, word: str = "de") -> str:
    """`word` before a name that the page does not know in advance, elided before a vowel:
    {{ app.name|elide }} « d'Inqom Achats », « de Boulangerie Martin »;
    {{ app.name|elide:"que" }} « qu'Inqom Achats »."""
    name = str(name)
    if name[:1].lower() in _VOWELS:
        return f"{word[:-1]}'{name}"
    return f"{word} {name}"


@register.filter(expects_localtime=True, is_safe=False)
def date_fr(value, arg: str = "DATE_FORMAT") -> str:
    """Django's `date`, with « 1er » for the first day of a month, as French writes it:
    "1er décembre 2026", "2 décembre 2026" (Django's French formats say "1 décembre")."""
    if arg.isupper():  # a named format, as Django's own filter takes: DATE_FORMAT, …
        arg = get_format(arg)
    if getattr(value, "day", None) == 1:
        arg = _DAY.sub(r"j\\e\\r", arg)
    return date_filter(value, arg)


@register.filter(is_safe=True)
def elision(text) -> str:
    """« Modification de envoi » → « Modification d’envoi » (see typography.french_elision)."""
    return french_elision(str(text))
