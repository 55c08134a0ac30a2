"""In real Chromium: the service worker takes control, and Chromium finds the app installable."""

import pytest

from tests.e2e.conftest import CHROMIUM

pytestmark = pytest.mark.django_db(transaction=True)

# navigator.serviceWorker.ready never settles when registration fails; give up after 10 s.
SERVICE_WORKER_READY = """async () => {
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error("no service worker after 10 s")), 10000));
  const registration = await Promise.race([navigator.serviceWorker.ready, timeout]);
  return registration.scope;
}"""


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    """The live server serves static files from the finders, which know no hashed names.

    Without this, every /static/ URL of the manifest storage answers 404 in the browser (and
    the service worker never registers). The hashed URLs are covered in tests/test_pwa.py.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def profile_page(browser, live_server, tmp_path):
    """A page in a browser profile on disk: Chromium never offers to install from incognito,
    and every new_context() of Playwright is one (installability error "in-incognito")."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        base_url=live_server.url,
        locale="fi-FI",
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_chromium_considers_myropo_installable(profile_page, screenshot):
    page = profile_page
    problems = _watch_console(page)
    page.goto("/")
    assert page.evaluate(SERVICE_WORKER_READY).endswith("/")

    manifest_href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(manifest_href)
    assert response.ok
    assert response.headers["content-type"] == "application/manifest+json"
    assert response.json()["name"] == "MyRopo"

    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert problems == [], "no CSP violation, missing file or script error"
    screenshot(page, "pwa-home")


def test_the_service_worker_shows_the_offline_page_without_a_network(page, screenshot):
    page.goto("/help/")
    page.evaluate(SERVICE_WORKER_READY)
    page.reload()  # from now on the service worker controls the page
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    try:
        page.goto("/price-list/")
        assert page.locator("#offline").count() == 1
        assert page.evaluate("() => getComputedStyle(document.body).display") == "flex", (
            "the cached stylesheet applies"
        )
        screenshot(page, "pwa-offline")
    finally:
        page.context.set_offline(False)
    page.goto("/price-list/")
    assert page.locator("#offline").count() == 0


@pytest.mark.parametrize("path", ["/", "/help/", "/accounts/login/", "/accounts/signup/"])
def test_pages_fit_a_360_pixel_phone_without_sideways_scrolling(page, screenshot, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    assert page.evaluate("() => getComputedStyle(document.body).display") == "flex"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide"
    name = path.strip("/").replace("/", "-") or "home"
    screenshot(page, f"phone-360-{name}")


def test_account_pages_fit_a_360_pixel_phone(page, alice, password, screenshot):
    from tests.e2e.conftest import log_in

    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, alice.email, password)
    page.wait_for_load_state()
    for path in ["/profile/", "/accounts/2fa/", "/accounts/email/"]:
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        screenshot(page, "phone-360-" + path.strip("/").replace("/", "-"))
