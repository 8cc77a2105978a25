"""A visitor on a cabinet's login and password-reset pages: the form's errors, the emailed link
and a browser that follows it."""

import html
import re
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from tests.conftest import host_of
from tests.factories import PASSWORD
from tests.pages import readable, text_of


def _reset_link(world, django_capture_on_commit_callbacks, user) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(world, user.email, cabinet=user.cabinet)
    [message] = mail.outbox
    return link_in(message)


def form_errors(response) -> list[str]:
    """Every error message shown next to a form field or above the form."""
    return [
        readable(html.unescape(item))
        for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def anonymous(cabinet, **kwargs) -> Client:
    return Client(HTTP_HOST=host_of(cabinet), **kwargs)


def log_in(cabinet, email: str, password: str = PASSWORD):
    client = anonymous(cabinet)
    return client, client.post("/connexion/", {"username": email, "password": password})


def is_logged_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "Se déconnecter" in text_of(response)


def link_in(message) -> str:
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    return links[0]


def open_link(link: str, client: Client | None = None):
    """Follows an emailed link with a browser on the link's own host (or the given one)."""
    parts = urlsplit(link)
    client = client or Client(HTTP_HOST=parts.netloc)
    return client, client.get(parts.path, follow=True)


def request_reset(world, email: str, cabinet=None):
    return anonymous(cabinet or world.a.cabinet).post(
        "/mot-de-passe/oublie/", {"email": email}, follow=True
    )
