"""French plurals in Python: `ngettext` with French's rule, where 0 and 1 take the singular.

Django falls back to English's rule (only 1 is singular) for a message that no catalogue
translates, which is every message of this French-first portal: « 0 entreprises ». So the
count given to `ngettext` is brought to 1 for 0, and a future catalogue (whose French
`Plural-Forms` say the same) still finds its forms. `makemessages` extracts these messages with
`--keyword=nplural:1,2`."""

from django.utils.translation import ngettext


def nplural(singular: str, plural: str, count: int) -> str:
    """« %(n)s entreprise » for 0 and 1, « %(n)s entreprises » from 2 (not yet formatted)."""
    return ngettext(singular, plural, count if count > 1 else 1)
