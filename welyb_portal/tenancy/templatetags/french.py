from django import template

register = template.Library()


@register.filter
def pluriel(count, suffix: str = "s") -> str:
    """French plural: "0 ligne", "1 ligne", "2 lignes" (Django's pluralize says "0 lignes")."""
    try:
        return suffix if int(count) > 1 else ""
    except (TypeError, ValueError):
        return ""
