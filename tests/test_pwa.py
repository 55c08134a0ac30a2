"""The installable app: web manifest, service worker and offline page."""

import json

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_manifest_is_served_as_a_web_manifest(db):
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "MyRopo"
    assert manifest["short_name"] == "MyRopo"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert manifest["scope"] == "/"
    assert manifest["theme_color"] == "#0b5394"
    assert manifest["background_color"]


def test_the_manifest_lists_192_and_512_pixel_icons_that_are_served(db):
    client = Client()
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon.get("purpose", "any") == "any"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\x89PNG")
        width = int.from_bytes(body[16:20], "big")
        height = int.from_bytes(body[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_the_manifest_follows_the_visitors_language(db):
    manifest = json.loads(
        Client(headers={"accept-language": "sv"}).get("/manifest.webmanifest").content
    )
    assert manifest["lang"] == "sv"


def test_the_service_worker_is_javascript_allowed_to_control_the_whole_site(db):
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert 'const OFFLINE_URL = "/offline/";' in body
    assert "/static/css/site." in body, "the shell lists the hashed stylesheet"


def test_the_service_worker_caches_only_files_that_exist(db):
    client = Client()
    body = client.get("/sw.js").content.decode()
    shell_line = next(line for line in body.splitlines() if line.startswith("const SHELL"))
    urls = [part.strip(' "];') for part in shell_line.split("[", 1)[1].split(",")]
    urls = [url for url in urls if url.startswith("/")]
    assert "/offline/" not in urls  # listed through OFFLINE_URL
    assert urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_offline_page_renders_without_a_login(db):
    response = Client().get("/offline/")
    assert response.status_code == 200
    assert 'id="main"' in response.content.decode()


def test_the_icons_exist_as_static_files():
    for name in ["icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png"]:
        assert finders.find(name), name
