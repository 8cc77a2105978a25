"""Every request is mapped to its cabinet by its host; a host nobody owns gets a 404 page."""

import pytest
from django.test import Client

from tests.conftest import browser
from welyb_portal.tenancy.models import CabinetDomain

pytestmark = pytest.mark.django_db


def test_cabinet_subdomain_serves_its_login_page_with_its_name(world):
    response = Client(HTTP_HOST="alpha.localhost").get("/connexion/")
    assert response.status_code == 200
    assert "Cabinet Alpha" in response.text
    assert "Cabinet Beta" not in response.text


def test_unknown_host_gets_a_404_page_naming_no_cabinet(world):
    response = Client(HTTP_HOST="inconnu.localhost").get("/connexion/")
    assert response.status_code == 404
    assert "Portail introuvable" in response.text
    assert "Alpha" not in response.text


def test_a_foreign_domain_is_unknown(world):
    assert Client(HTTP_HOST="example.com").get("/").status_code == 404


def test_custom_domain_serves_its_cabinet(world):
    CabinetDomain.objects.create(cabinet=world.a.cabinet, domain="portail.cabinet-alpha.fr")
    response = Client(HTTP_HOST="portail.cabinet-alpha.fr").get("/connexion/")
    assert response.status_code == 200
    assert "Cabinet Alpha" in response.text


def test_custom_domain_matches_without_case_and_port(world):
    CabinetDomain.objects.create(cabinet=world.a.cabinet, domain="Portail.Cabinet-Alpha.fr")
    response = Client(HTTP_HOST="PORTAIL.cabinet-alpha.FR:8443").get("/connexion/")
    assert response.status_code == 200


def test_a_suspended_cabinet_no_longer_answers(world):
    world.a.cabinet.is_active = False
    world.a.cabinet.save()
    assert Client(HTTP_HOST="alpha.localhost").get("/connexion/").status_code == 404


def test_nested_subdomain_is_unknown(world):
    assert Client(HTTP_HOST="www.alpha.localhost").get("/connexion/").status_code == 404


def test_platform_host_serves_no_cabinet_page_outside_embedded_mode(world):
    response = Client(HTTP_HOST="localhost").get("/connexion/")
    assert response.status_code == 404
    assert "Portail introuvable" in response.text


def test_embedded_mode_bare_domain_reaches_the_demo_cabinet(world, settings):
    settings.BARE_DOMAIN_CABINET = "alpha"
    response = Client(HTTP_HOST="localhost:8000").get("/connexion/")
    assert response.status_code == 200
    assert "Cabinet Alpha" in response.text


def test_admin_is_served_on_the_platform_host_only(world):
    assert Client(HTTP_HOST="localhost").get("/admin/login/").status_code == 200
    response = Client(HTTP_HOST="alpha.localhost").get("/admin/login/")
    assert response.status_code == 404
    assert "Django" not in response.text


def test_health_check_answers_on_platform_and_cabinet_hosts_and_a_nodes_address(world):
    assert Client(HTTP_HOST="localhost").get("/healthz").json() == {"status": "ok"}
    assert Client(HTTP_HOST="alpha.localhost").get("/healthz").status_code == 200
    # A load balancer asks each node by its address.
    assert Client(HTTP_HOST="10.0.0.7:8000").get("/healthz").json() == {"status": "ok"}
    # Nothing else does: the probes' exception is for them alone.
    assert Client(HTTP_HOST="10.0.0.7:8000").get("/connexion/").status_code == 404


def test_session_cookie_copied_to_another_cabinet_is_anonymous(world):
    alpha = browser(world.a.admin)
    beta = Client(HTTP_HOST="beta.localhost")
    beta.cookies = alpha.cookies
    response = beta.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")


def test_every_page_carries_the_cabinets_theme(world):
    world.a.cabinet.primary_color = "#112233"
    world.a.cabinet.save()
    page = browser(world.a.admin).get("/")
    assert "/theme.css?v=" in page.text
    css = Client(HTTP_HOST="alpha.localhost").get("/theme.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--brand-primary: #112233;" in css.text
    other = Client(HTTP_HOST="beta.localhost").get("/theme.css")
    assert "#112233" not in other.text
