"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Run them with `pytest -m browser`; they are skipped when /usr/bin/chromium is missing (install it with
`apt-get install chromium`; `playwright install` is not used). With UPDATE_SCREENSHOTS=1 the tests also
write the screenshots of docs/screenshots/.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse the ORM
# calls that build each test's data there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # A Vietnamese browser, as in the offices the portal serves; English is one click away.
    # Reduced motion: charts drawn at once (no animation), so that screenshots show the final figures.
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Every page must satisfy the Content-Security-Policy (SECURE_CSP): Chromium reports each violation
    # on the console ("Refused to execute inline script ..."), and the test fails on any.
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to docs/screenshots/NAME.png when UPDATE_SCREENSHOTS=1."""

    def take(page, name):
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
