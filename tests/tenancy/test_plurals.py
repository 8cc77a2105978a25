"""French plurals: 0 and 1 take the singular, where Django's fallback (English's rule) says
« 0 entreprises »."""

import pytest

from welyb_portal.tenancy.plurals import nplural


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 entreprise"), (1, "1 entreprise"), (2, "2 entreprises"), (37, "37 entreprises")],
)
def test_zero_and_one_are_singular_in_french(count, text):
    assert nplural("%(n)s entreprise", "%(n)s entreprises", count) % {"n": count} == text
