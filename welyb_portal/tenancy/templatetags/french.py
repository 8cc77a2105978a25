from django import template

register = template.Library()


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
