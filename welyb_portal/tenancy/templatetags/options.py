from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_SELECTED = mark_safe(" selected")


@register.simple_tag
def options(choices, selected="") -> str:
    """The `<option>`s of (value, label) pairs, the one whose value is `selected` (compared as
    text) selected, escaped as the template would: one call for hundreds of them (a cabinet's
    500 companies), which a template loop rendered one by one (docs/benchmarks.md)."""
    selected = str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, _SELECTED if str(value) == selected else "", label) for value, label in choices),
    )
