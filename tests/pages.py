"""Reading a page as its user does, for every test: its text (`text_of`, `visible_text`), its
flash messages (`flashes`), its elements with their attributes, ancestors and text (`page_of`, the
one HTML parser of the tests)."""

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser


def readable(text: str) -> str:
    """`text` with its no-break spaces as ordinary ones (see welyb_portal/tenancy/typography.py)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def text_of(response) -> str:
    """The page as a reader sees its words, markup included (entities such as &#x27; decoded,
    and French typography's no-break spaces read as the spaces they look like: tests/tenancy/
    test_typography.py checks them)."""
    return readable(html.unescape(response.content.decode()))


def visible_text(response) -> str:
    """Only the text a reader of the page sees (no markup, scripts or styles), white space
    collapsed."""
    return page_of(response).text


def flashes(response, *, levels: bool = False) -> list:
    """The flash messages of a page, in order: their texts, or (level, text) with `levels`
    ("success", "error"... from the class flash-<level>)."""
    found = []
    for p in page_of(response).find("p"):
        classes = p.attrs.get("class", "").split()
        if "flash" not in classes:
            continue
        if levels:
            [level] = [c.removeprefix("flash-") for c in classes if c.startswith("flash-")]
            found.append((level, p.text))
        else:
            found.append(p.text)
    return found


VOID_ELEMENTS = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple["Element", ...]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What a reader sees inside the element, white space collapsed."""
        return " ".join("".join(self.parts).split())

    @property
    def label(self) -> str:
        """The element's accessible name: its aria-label, else its text."""
        return self.attrs.get("aria-label") or self.text

    def has(self, attribute: str) -> bool:
        return attribute in self.attrs


class Page(HTMLParser):
    """Every element of a page, with its attributes, its ancestors and its text."""

    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._text: list[str] = []
        self.feed(content)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(self._open))
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, tuple(self._open)))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if any(element.tag in ("script", "style") for element in self._open):
            return
        self._text.append(data)
        for element in self._open:
            element.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def find(self, tag: str, *, inside: Element | None = None, **attrs: str) -> list[Element]:
        """Elements of a tag whose attributes have the given values (data_copy for data-copy)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.elements
            if element.tag == tag
            and all(element.attrs.get(name) == value for name, value in wanted.items())
            and (inside is None or inside in element.ancestors)
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        [element] = self.find(tag, **attrs)
        return element

    def links(self, label: str, *, inside: Element | None = None) -> list[Element]:
        return [a for a in self.find("a", inside=inside) if a.label == label]

    def buttons(self, *, inside: Element | None = None) -> list[str]:
        return [b.label for b in self.find("button", inside=inside)]

    def gear_link(self, label: str) -> str:
        """Where the link of the settings gear (la roue crantée) with this label leads."""
        [gear] = [d for d in self.find("details") if "gear-menu" in d.attrs.get("class", "")]
        [link] = self.links(label, inside=gear)
        return link.attrs["href"]

    def row(self, company) -> Element:
        """The line of a company on an authorisation page."""
        return self.one("tr", id=f"authorization-{company.pk}")


def page_of(response) -> Page:
    return Page(response.content.decode())
