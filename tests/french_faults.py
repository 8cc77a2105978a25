"""The common faults of a French page's text, found by one function, `french_faults(text)`:
what the browser's page scan (tests/browser/test_every_page.py) runs on every page's visible
text. Each check is written narrowly, to find real faults and nothing else (a false alarm on a
client's file name would teach people to ignore it)."""

import re

# Between two words of one sentence: spaces, never a line break or a tab (innerText separates
# table cells and blocks with those, and two cells are not one sentence).
_SPACE = r"[ \u00a0\u202f]+"
# A word that starts with a vowel sound. Words starting with h or y are left out: « le héros »,
# « de Yann »… French elides before some and not others, no short list tells which.
_VOWEL_WORD = r"[aeiouâàäéèêëîïôöûùüœæAEIOUÂÀÄÉÈÊËÎÏÔÖÛÙÜŒÆ][\w'’.@-]*"
# Words starting with a vowel before which French does not elide.
_NO_ELISION = {"onze", "onzième", "oui", "ouate", "ouistiti", "uhlan"}
# Elided before any vowel: « de Inqom », « de une », « le adresse », « la entreprise », « je ai »,
# « ne a », « se est », « me a ». (« de le »/« à les » are left alone: « afin de le lire ».)
_ELIDED = re.compile(rf"(?<![\w'’-])(de|le|la|je|me|te|se|ne){_SPACE}({_VOWEL_WORD})", re.I)
# Elided before some words only: « que il » (qu'il), « si il » (s'il; « si elle » is right),
# « ce est » (c'est), « jusque à » (jusqu'à), « lorsque on »…
_ELIDED_BEFORE = re.compile(
    rf"(?<![\w'’-])(?:(?:que|lorsque|puisque|quoique){_SPACE}(?:il|ils|elle|elles|on|un|une)"
    rf"|si{_SPACE}(?:il|ils)|ce{_SPACE}(?:est|était|étaient)|jusque{_SPACE}(?:à|au|aux|ici))\b",
    re.I,
)
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_CHECKS: list[tuple[str, re.Pattern[str]]] = [
    # French typography's no-break spaces (welyb_portal/tenancy/typography.py spaces every page).
    (
        "an ordinary space before « : ; ! ? » or inside « »",
        re.compile(r"\S[ \t](?=[:;!?](?:\s|$))|«[ \t]|[ \t]»"),
    ),
    ("« 1 » for the first day of a month (« 1er »)", re.compile(rf"\b1{_SPACE}(?:{_MONTHS})\b")),
    # « document(s) », « autorisé(e) »: plurals and agreement go through nplural / pluriel.
    ("« (s) » instead of a real plural", re.compile(r"\w\((?:s|e|es|x)\)")),
    ("a missing elision", _ELIDED_BEFORE),
    ("raw template syntax", re.compile(r"\{\{|\{%|%\(\w+\)[sd]")),
    (
        "an empty value shown as a program writes it",
        re.compile(r"\b(?:None|nan|NaN|undefined|null)\b"),
    ),
    (
        "an English word of the interface",
        re.compile(
            r"\b(?:Choose|Submit|Save|Delete|Search|Cancel|Upload|Browse|Download|Edit|Close"
            r"|Previous|Next|Loading|Error|Required|Settings|Sign in|Log in|Log out|Logout"
            r"|Password|Page not found|Not Found|Forbidden|Are you sure|No file chosen"
            r"|This field is required|Show|Hide)\b"
        ),
    ),
]


def _excerpt(text: str, match: re.Match) -> str:
    return "…" + text[max(match.start() - 30, 0) : match.end() + 30].replace("\n", " ") + "…"


def french_faults(text: str) -> list[str]:
    """Each fault of `text` as « what: …the words around it… », in the order of the checks."""
    faults = []
    for match in _ELIDED.finditer(text):
        word = match.group(2)
        # « le à »: a pronoun before « à » (« le remettre à »… is cut by a line); an address
        # (« de admin@… ») is left to its reader.
        if word.lower() in _NO_ELISION or word.lower() == "à" or "@" in word:
            continue
        faults.append(f"a missing elision « {match.group(0)} »: {_excerpt(text, match)}")
    for what, pattern in _CHECKS:
        faults += [f"{what} « {m.group(0)} »: {_excerpt(text, m)}" for m in pattern.finditer(text)]
    return faults
