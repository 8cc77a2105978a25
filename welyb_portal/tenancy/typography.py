"""French typography's spaces, put in one place rather than typed by hand in every string.

French sets a space before « : ; ! ? » and inside « », a space that must never start a line:
the portal uses NO-BREAK SPACE (U+00A0, a word space) before « : », as the Imprimerie
nationale's rules and common French practice have it, and NARROW NO-BREAK SPACE (U+202F, a thin
space) before « ; ! ? » and inside guillemets.

Only a space already typed before « : ; ! ? » is replaced (« Installée : » becomes
« Installée : »): a mark with no space before it is left alone, so that times (12:30),
URLs (https://…?page=2), ratios (4,5:1) and code are never touched. Guillemets always get
their thin spaces, typed or not.

`french_spacing_html` does the same to the text of an HTML page and nothing else: never inside
a tag or its attributes, a comment, <script>, <style>, <textarea> (what a form sends back must
stay as the person typed it), <pre>, <code>, <kbd> or <samp>. FrenchSpacingMiddleware applies
it to every HTML page the portal answers, and the emails' senders to their bodies: so template
text, translated strings, flash messages and form errors are all spaced at one place.
"""

import re

NBSP = "\u00a0"
NNBSP = "\u202f"

# Any of the marks French spaces: a text without one is left as it is.
_MARKS = re.compile("[:;!?«»]")
# An ordinary space (or several, or a no-break space of the other kind) before the mark.
_BEFORE_COLON = re.compile(r"[ \t\r\n\u202f]+:")
_BEFORE_TIGHT = re.compile(r"[ \t\r\n\u00a0]+([;!?])")
_AFTER_OPENING = re.compile(r"«[ \t\r\n\u00a0\u202f]*")
_BEFORE_CLOSING = re.compile(r"[ \t\r\n\u00a0\u202f]*»")


def french_spacing(text: str) -> str:
    """`text` with French typography's no-break spaces (see the module's docstring)."""
    if not _MARKS.search(text):
        return text
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _BEFORE_TIGHT.sub(NNBSP + r"\1", text)
    text = _AFTER_OPENING.sub("«" + NNBSP, text)
    return _BEFORE_CLOSING.sub(NNBSP + "»", text)


# A tag (its quoted attribute values may hold ">"), a comment, a doctype or a CDATA section.
_MARKUP = re.compile(
    r"""(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[!?][^>]*>"""
    r"""|</?[a-zA-Z][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>)""",
    re.S,
)
# Elements whose text is code, or what someone typed: left as it is. Script and style hold no
# markup: their content is skipped whole, up to their closing tag.
_VERBATIM = re.compile(r"</?(script|style|textarea|pre|code|kbd|samp)\b", re.I)
_RAW = {"script", "style", "textarea"}


def french_spacing_html(html: str) -> str:
    """`french_spacing` applied to the text nodes of an HTML document or fragment only."""
    if not _MARKS.search(html):
        return html
    # Text and markup alternate: even pieces are text, odd ones markup.
    pieces = _MARKUP.split(html)
    verbatim = 0
    raw = ""
    for index in range(0, len(pieces), 2):
        if index:
            element = _VERBATIM.match(pieces[index - 1])
            if element is not None:
                name, closing = element.group(1).lower(), pieces[index - 1][1] == "/"
                if raw:
                    raw = "" if closing and name == raw else raw
                elif name in _RAW and not closing:
                    raw = name
                elif name not in _RAW:
                    verbatim = max(verbatim - 1, 0) if closing else verbatim + 1
        # Most text pieces are the blanks between two tags: only those with a mark are spaced
        # (a page of 6,000 pieces took 7 ms, half of it asking each whether it had one).
        if not raw and not verbatim and _MARKS.search(pieces[index]):
            pieces[index] = french_spacing(pieces[index])
    return "".join(pieces)


# « de » and « le »/« la » before a vowel, as Django's French admin writes them around a model's
# name (« Modification de envoi »). No « h »: « de hameau » or « la hauteur » may be aspirated.
_ELIDABLE = re.compile(r"\b([dDlL])(?:e|a) (?=[aeiouyàâäéèêëîïôöûùüœæAEIOUYÀÂÉÈÊÎÔÛŒÆ])")


def french_elision(text: str) -> str:
    """« Modification de envoi » becomes « Modification d’envoi », « la entreprise »
    « l’entreprise »: for sentences built around a name by someone else's translation."""
    return _ELIDABLE.sub("\\1’", text)
