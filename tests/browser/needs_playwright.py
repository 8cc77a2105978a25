"""Playwright's names for the browser tests, imported through here: without playwright (an
outdated virtualenv: requirements-dev.txt pins it), the test module that imports them, directly
or through helpers.py, is skipped; under REQUIRE_SERVICES=1 it fails."""

import pytest

from tests.conftest import REQUIRE_SERVICES

try:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect
except ImportError:
    if REQUIRE_SERVICES:
        raise
    pytest.skip(
        "browser tests need playwright: pip install -r requirements-dev.txt",
        allow_module_level=True,
    )

__all__ = ["Browser", "BrowserContext", "Locator", "Page", "Response", "expect"]
