"""What a page's reader sees of its French typography: the visible text, and each place where a
space stands before « : ; ! ? » or inside the guillemets without being a no-break one."""

import html
import re


def visible_text(page: str) -> str:
    """The words a reader sees: no tags, no scripts or styles, entities decoded."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def faults(page: str) -> list[str]:
    text = visible_text(page)
    return [
        text[max(m.start() - 30, 0) : m.end() + 10]
        for m in re.finditer(r"[ \t\n](?=[:;!?])|«[ \t\n]|[ \t\n]»", text)
    ]
