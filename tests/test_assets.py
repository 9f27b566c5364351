"""Static files: hashed names cached for a year, compressed ahead, nothing else served; and
htmx only on the pages that use it."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path
from typing import Any

import brotli
import pytest
import zstandard
from starlette.routing import Mount

from portal.assets import StaticAssets, accepted_encodings, hashed, scan
from portal.config import STATIC_DIR
from tests.odd_world import World, app_routes, fill
from tests.test_odd_inputs import real_ids, role_for

STATIC = Path(STATIC_DIR)
CSS = (STATIC / "portal.css").read_bytes()
IMMUTABLE = "public, max-age=31536000, immutable"
HTMX = re.compile(r'<script src="/static/vendor/htmx-[\d.]+/htmx\.min\.[0-9a-f]{12}\.js"')
# An htmx attribute that does something; hx-disable only fences off text written by people
# (markdown) on pages that do load htmx, and needs no htmx where it is alone.
HX_ATTRIBUTE = re.compile(r"<[^>]*\shx-(?!disable[\s>=])[a-z-]+")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def css_path() -> str:
    return f"/static/portal.{digest(CSS)}.css"


def raw_get(client: Any, path: str, **headers: str) -> tuple[Any, bytes]:
    """The response and its body as it travelled (not decoded); the test client would
    otherwise ask for its own choice of encodings."""
    headers.setdefault("Accept-Encoding", "identity")
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def decode(encoding: str | None, body: bytes) -> bytes:
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None
    return body


def test_pages_link_static_files_by_their_hashed_names(client):
    page = client.get("/login").text
    pico = (STATIC / "vendor/pico-2.1.1/pico.min.css").read_bytes()
    favicon = (STATIC / "favicon.svg").read_bytes()
    script = (STATIC / "portal.js").read_bytes()
    assert f'href="{css_path()}"' in page
    assert f'href="/static/vendor/pico-2.1.1/pico.min.{digest(pico)}.css"' in page
    assert f'href="/static/favicon.{digest(favicon)}.svg"' in page
    assert f'src="/static/portal.{digest(script)}.js"' in page
    assert "/static/portal.css" not in page


def test_the_csp_still_allows_every_script_and_stylesheet(client):
    """script-src and style-src 'self': every script and stylesheet is a file under /static."""
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert scripts and all(re.search(r' src="/static/[^"]+"', s) for s in scripts)
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', response.text):
        assert href.startswith("/static/") and client.get(href).status_code == 200


def test_a_hashed_name_is_cached_for_a_year(client):
    response = client.get(css_path())
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.content == CSS


def test_the_plain_name_is_revalidated_on_every_use(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"] == f'W/"{digest(CSS)}"'
    assert response.content == CSS


@pytest.mark.parametrize("path", ["/static/portal.css", "hashed"])
@pytest.mark.parametrize(
    "if_none_match",
    ['W/"{tag}"', '"{tag}"', '"other", W/"{tag}"', "*"],
)
def test_a_known_etag_gets_304(client, path, if_none_match):
    path = css_path() if path == "hashed" else path
    tag = digest(CSS)
    response = client.get(
        path, headers={"If-None-Match": if_none_match.format(tag=tag), "Accept-Encoding": "br"}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'W/"{tag}"'
    assert response.headers["vary"] == "Accept-Encoding"
    assert "cache-control" in response.headers


def test_another_etag_gets_the_file(client):
    response = client.get("/static/portal.css", headers={"If-None-Match": 'W/"0123456789ab"'})
    assert response.status_code == 200
    assert response.content == CSS


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip", "gzip"),
        ("GZIP;q=0.5", "gzip"),
        ("gzip, deflate, br, zstd", "br"),  # a browser's: the smallest wins
        ("br;q=0, zstd;q=1.0, gzip", "zstd"),
        ("br;q=0, zstd;q=0, gzip;q=0.1", "gzip"),
        ("*", "br"),
        ("*, br;q=0", "zstd"),
        ("identity", None),
        ("deflate", None),
        ("*;q=0", None),
        ("br;q=nonsense, gzip;q=0", None),
        ("", None),
    ],
)
def test_the_encoding_follows_accept_encoding(client, accept, encoding):
    response, body = raw_get(client, css_path(), **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-length"] == str(len(body))
    assert decode(encoding, body) == CSS
    if encoding:
        assert len(body) < len(CSS) / 3


def test_every_static_file_decodes_to_its_own_bytes(client):
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        name = path.relative_to(STATIC).as_posix()
        for url in (f"/static/{name}", f"/static/{hashed(name, digest(path.read_bytes()))}"):
            response, body = raw_get(client, url, **{"Accept-Encoding": "gzip, br, zstd"})
            assert response.status_code == 200, url
            assert decode(response.headers.get("content-encoding"), body) == path.read_bytes()


def test_head_answers_the_headers_of_get(client):
    get, body = raw_get(client, css_path(), **{"Accept-Encoding": "zstd"})
    head = client.head(css_path(), headers={"Accept-Encoding": "zstd"})
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "content-encoding", "etag", "vary"):
        assert head.headers[name] == get.headers[name]
    assert int(head.headers["content-length"]) == len(body)


def test_only_get_and_head(client):
    assert client.post("/static/portal.css").status_code == 405
    assert client.put(css_path()).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static/nope.css",
        "/static/portal.0123456789ab.css",
        "/static/%2e%2e/pyproject.toml",
        "/static/%2e%2e%2fpyproject.toml",
        "/static/vendor/%2e%2e/portal.css",
        "/static/..%5cpyproject.toml",
        "/static/vendor%5c..%5cportal.css",
        "/static/portal.css%00.js",
        "/static/portal.css%2500",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/PORTAL.CSS",
    ],
)
def test_nothing_but_a_static_file_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


def test_hidden_files_and_links_out_of_the_folder_are_left_out(tmp_path):
    root = tmp_path / "static"
    (root / "sub").mkdir(parents=True)
    (root / "app.css").write_text("body { color: black }\n" * 40)
    (root / "sub" / "logo.png").write_bytes(b"\x89PNG not really")
    (root / ".env").write_text("SECRET=1")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    (tmp_path / "outside.txt").write_text("not for the web")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    files = scan(root)
    names = {asset.name for asset, _ in files.values()}
    assert names == {"app.css", "sub/logo.png"}
    png = files["sub/logo.png"][0]
    assert png.encoded == ()  # a picture is not compressed again
    assert {encoding for encoding, _ in files["app.css"][0].encoded} == {"br", "zstd", "gzip"}


def test_files_are_read_once_per_process(app, settings, clock, mailbox):
    """The suite builds hundreds of apps: static/ is read and compressed for the first."""
    from portal.app import create_app

    def files(of: Any) -> Any:
        (mount,) = [r for r in of.routes if isinstance(r, Mount) and r.name == "static"]
        return mount.app._files

    other = create_app(settings, clock=clock, email_backend=mailbox)
    assert files(other) is files(app) is scan(STATIC)


def test_a_name_static_lacks_keeps_its_plain_path():
    assets = StaticAssets(STATIC)
    assert assets.url_path("missing.css") == "/static/missing.css"
    assert assets.url_path("portal.css") == css_path()


def test_accept_encoding_is_read_as_rfc_9110_says():
    assert accepted_encodings("gzip;q=0.8, br") == {"gzip", "br"}
    assert accepted_encodings("br;q=0.0") == frozenset()
    assert accepted_encodings("*;q=0.1, gzip;q=0") == {"br", "zstd"}
    assert accepted_encodings("zstd; q=1; foo=bar, x-unknown") == {"zstd", "x-unknown"}


# ---- htmx only where a page uses it --------------------------------------------------------


@pytest.mark.one_database
def test_htmx_is_linked_by_exactly_the_pages_that_use_it(client, run, clock, app):
    """Every page of the app, seen by the role that may see it (and the start page by each
    role): a page with an htmx attribute links htmx, a page without one does not."""
    world = World(client, run, clock)
    pages = [
        (role_for(path), path)
        for method, path in app_routes(app)
        if method == "GET" and not path.startswith("/media/")
    ]
    pages += [("employee", "/"), ("hr", "/"), ("hr", "/visit/{id}")]
    seen: dict[str, bool] = {}
    for role in ("anonymous", "candidate", "employee", "hr"):
        world.login(role)
        for path in sorted(p for r, p in pages if r == role):
            response = client.get(fill(path, real_ids(path, world.ids_for(role))))
            if response.status_code != 200 or "<html" not in response.text:
                continue  # a download, a redirect or a fragment for htmx
            uses = bool(HX_ATTRIBUTE.search(response.text))
            links = bool(HTMX.search(response.text))
            assert uses == links, f"{role} {path}: uses htmx {uses}, links it {links}"
            assert links == ('name="htmx-config"' in response.text), path
            seen[f"{role} {path}"] = links
    # The pages the issue names, so the loop above cannot pass by seeing none of them.
    assert seen["candidate /visit/{id}"] is False
    for page in (
        "candidate /stories",
        "candidate /questions",
        "candidate /people/{id}",
        "candidate /me/privacy",
        "hr /hr",
        "hr /hr/questions",
        "employee /me/questions",
        "hr /hr/visits",
        "hr /hr/visits/{id}",
        "employee /",
    ):
        assert page in seen, page
    assert seen["hr /hr/visits/{id}"] and seen["hr /hr/visits"] and seen["candidate /questions"]
