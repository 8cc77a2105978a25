"""Every page staff and clients use carries French typography's no-break spaces: no ordinary
space before « : ; ! ? » nor inside « » in the words a reader sees."""

import pytest

from tests.conftest import browser
from tests.helpers.isolation import PAGES, ids_of, request_of
from tests.helpers.isolation import world as world  # the matrix's world, with a GED
from tests.helpers.isolation import world_of_the_module as world_of_the_module  # built once
from tests.helpers.typography import faults


@pytest.mark.parametrize(("route", "role"), PAGES, ids=[f"{r}-{who}" for r, who in PAGES])
def test_every_page_is_spaced_the_french_way(world, route, role):
    url, data = request_of(route, ids_of(route, world.a))

    response = browser(getattr(world.a, role)).get(url, data, follow=True)

    assert faults(response.content.decode()) == [], url
