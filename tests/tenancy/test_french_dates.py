"""Dates written in words say « 1er » for the first day of a month, as French does."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from tests.conftest import browser
from tests.helpers.notifications import notify
from tests.pages import text_of
from welyb_portal.tenancy.models import Notification

PARIS = ZoneInfo("Europe/Paris")


def render(value, date_format: str | None = None) -> str:
    argument = f':"{date_format}"' if date_format else ""
    return Template(f"{{% load french %}}{{{{ value|date_fr{argument} }}}}").render(
        Context({"value": value})
    )


@pytest.mark.parametrize(
    ("day", "date_format", "expected"),
    [
        (datetime.date(2026, 12, 1), "j F Y", "1er décembre 2026"),
        (datetime.date(2026, 12, 2), "j F Y", "2 décembre 2026"),
        (datetime.date(2026, 12, 11), "j F Y", "11 décembre 2026"),
        (datetime.date(2026, 12, 21), "j F Y", "21 décembre 2026"),
        (datetime.date(2026, 1, 1), None, "1er janvier 2026"),  # Django's DATE_FORMAT
        (datetime.date(2026, 1, 1), "d/m/Y", "01/01/2026"),  # no word, no « er »
        (datetime.date(2026, 1, 1), r"\j\o\u\r j", "jour 1er"),  # an escaped j stays a letter
    ],
)
def test_the_first_of_the_month_is_1er(day, date_format, expected):
    assert render(day, date_format) == expected


def test_the_day_is_the_cabinets_not_utcs(settings):
    # 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
    moment = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    assert render(moment, "j F Y à H:i") == "1er décembre 2026 à 00:30"


@pytest.mark.django_db
def test_the_notifications_page_dates_the_first_of_december_1er(world):
    notify(world.a.cabinet, users=[world.a.admin])
    Notification.objects.update(created_at=datetime.datetime(2026, 12, 1, 9, 5, tzinfo=PARIS))

    page = text_of(browser(world.a.admin).get("/notifications/"))

    assert "1er décembre 2026, 09:05" in page
    assert not re.search(r"\b1 décembre", page)
