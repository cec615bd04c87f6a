"""CORS: browser scripts from the origins in TIMETRACKER_CORS_ORIGINS call the API, preflights
pass without credentials and never count as requests or failed logins, errors carry the headers;
and a real headless Chromium makes the calls from a page of another origin."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from tests.conftest import ADMIN_PASSWORD, ApiClient, basic
from tests.test_server import request, serve, server_env
from timetracker.cli import main
from timetracker.config import SettingError, load_config

ORIGIN = "https://tools.example.com"
EXPOSED = {"X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Retry-After", "X-Request-Id"}


def preflight(client, path="/api/v1/customers", origin=ORIGIN, method="POST", **headers):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Authorization, Content-Type",
            **headers,
        },
    )


def header_set(response, name: str) -> set[str]:
    return {part.strip() for part in response.headers.get(name, "").split(",") if part.strip()}


def assert_cors(response, origin=ORIGIN):
    assert response.headers.get("Access-Control-Allow-Origin") == origin, dict(response.headers)
    assert header_set(response, "Access-Control-Expose-Headers") == EXPOSED


@pytest.fixture
def cors_app(make_app):
    return make_app(CORS_ORIGINS=ORIGIN)


def test_no_cors_headers_unless_configured(client):
    response = preflight(client)
    assert response.status_code == 200
    assert not [h for h, _ in response.headers.items() if h.startswith("Access-Control-")]
    response = client.get(
        "/api/v1/customers", headers={"Origin": ORIGIN, **basic("admin", ADMIN_PASSWORD)}
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_passes_without_credentials(cors_app):
    response = preflight(cors_app.test_client())
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert header_set(response, "Access-Control-Allow-Headers") == {"Authorization", "Content-Type"}
    assert {"GET", "POST", "PATCH", "PUT", "DELETE"} <= header_set(
        response, "Access-Control-Allow-Methods"
    )
    assert "WWW-Authenticate" not in response.headers
    assert "X-Ratelimit-Remaining" not in response.headers


def test_other_origins_get_no_cors_headers(cors_app):
    client = cors_app.test_client()
    response = preflight(client, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.get(
        "/api/v1/customers",
        headers={"Origin": "https://evil.example", **basic("admin", ADMIN_PASSWORD)},
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_any_origin_with_star(make_app):
    client = make_app(CORS_ORIGINS="*").test_client()
    response = preflight(client, origin="http://127.0.0.1:5173")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://127.0.0.1:5173")


def test_answers_expose_the_throttle_headers(cors_app):
    response = cors_app.test_client().get(
        "/api/v1/customers", headers={"Origin": ORIGIN, **basic("admin", ADMIN_PASSWORD)}
    )
    assert response.status_code == 200
    assert_cors(response)
    assert response.headers["X-Ratelimit-Remaining"] == "99"


def test_preflights_count_neither_as_requests_nor_as_failed_logins(make_app):
    app = make_app(CORS_ORIGINS=ORIGIN, RATELIMIT_PER_MINUTE=3, LOGIN_BAN_ATTEMPTS=1)
    client = app.test_client()
    for _ in range(5):
        # Browsers send no credentials with a preflight; even a wrong or foreign one is ignored.
        assert preflight(client, **basic("admin", "wrong")).status_code == 200
        assert preflight(client, Authorization="Bearer abc").status_code == 200
    response = ApiClient(client, "admin", ADMIN_PASSWORD).get("/customers")
    assert response.status_code == 200
    assert response.headers["X-Ratelimit-Remaining"] == "2"


def test_a_banned_address_still_gets_preflights_and_readable_403s(make_app):
    client = make_app(CORS_ORIGINS=ORIGIN, LOGIN_BAN_ATTEMPTS=1).test_client()
    failed = client.get("/api/v1/customers", headers={"Origin": ORIGIN, **basic("admin", "x")})
    assert failed.status_code == 401
    assert_cors(failed)
    assert preflight(client).status_code == 200
    banned = client.get(
        "/api/v1/customers", headers={"Origin": ORIGIN, **basic("admin", ADMIN_PASSWORD)}
    )
    assert banned.status_code == 403
    assert banned.get_json()["key"] == "api.error.ip_banned"
    assert_cors(banned)
    assert int(banned.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("path", "headers", "status", "key"),
    [
        ("/api/v1/customers", {}, 401, "api.error.not_authorized"),
        ("/api/v1/customers", {"Authorization": "Digest x"}, 400, "api.error.invalid_auth_scheme"),
        ("/api/v1/customers?nosuch=1", basic("admin", ADMIN_PASSWORD), 400, None),
        ("/api/v1/customers/999", basic("admin", ADMIN_PASSWORD), 404, None),
        ("/api/v1/nosuch", {}, 404, "api.error.not_found"),
    ],
)
def test_error_answers_carry_the_cors_headers(cors_app, path, headers, status, key):
    response = cors_app.test_client().get(path, headers={"Origin": ORIGIN, **headers})
    assert response.status_code == status
    assert key is None or response.get_json()["key"] == key
    assert_cors(response)


def test_429_is_readable_with_its_retry_after(make_app):
    client = make_app(CORS_ORIGINS=ORIGIN, RATELIMIT_PER_MINUTE=1).test_client()
    headers = {"Origin": ORIGIN, **basic("admin", ADMIN_PASSWORD)}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 429
    assert_cors(response)
    assert "Retry-After" in response.headers


@pytest.mark.parametrize(
    "value",
    ["https://tools.example.com/", "tools.example.com", "*, https://a.example", "https://a/b", ","],
)
def test_bad_origins_are_refused_at_start(value, monkeypatch, database_url):
    with pytest.raises(SettingError, match="TIMETRACKER_CORS_ORIGINS"):
        load_config({"CORS_ORIGINS": value})
    monkeypatch.setenv("TIMETRACKER_CORS_ORIGINS", value)
    result = CliRunner().invoke(main, ["serve", "--db", database_url])
    assert result.exit_code == 1
    assert "Error: TIMETRACKER_CORS_ORIGINS:" in result.output
    assert "Traceback" not in result.output


def test_origins_are_read_from_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("TIMETRACKER_CORS_ORIGINS", " https://a.example , http://127.0.0.1:3000,")
    assert load_config()["CORS_ORIGINS"] == ["https://a.example", "http://127.0.0.1:3000"]
    monkeypatch.delenv("TIMETRACKER_CORS_ORIGINS")
    assert load_config()["CORS_ORIGINS"] is None


# A real browser ----------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# The page's script creates a customer (JSON and Basic auth: a preflighted request), reads an
# exposed header, then reads a 401's error body; it writes what it got into #out.
PAGE = """<!doctype html>
<html><body><pre id="out">pending</pre><script>
const api = "http://127.0.0.1:%(port)d/api/v1/customers";
const auth = {Authorization: "Basic " + btoa("admin:pw")};
async function run() {
  const created = await fetch(api, {
    method: "POST",
    headers: {...auth, "Content-Type": "application/json"},
    body: JSON.stringify({name: "Made in a browser"}),
  });
  const refused = await fetch(api);
  return {
    status: created.status,
    remaining: created.headers.get("X-Ratelimit-Remaining"),
    body: await created.json(),
    refused: refused.status,
    refusedKey: (await refused.json()).key,
  };
}
run().then(
  (result) => { document.getElementById("out").textContent = JSON.stringify(result); },
  (error) => { document.getElementById("out").textContent = "failed: " + error; },
);
</script></body></html>
"""


def find_browser() -> str | None:
    return next(filter(None, map(shutil.which, BROWSERS)), None)


class PageServer(ThreadingHTTPServer):
    """Serves PAGE from another port of 127.0.0.1 (so another origin); ``api_port`` is set once
    the API server listens, which must know this origin before it starts."""

    api_port = 0

    def __init__(self):
        server = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                body = (PAGE % {"port": server.api_port}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Page)
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()


def run_page(browser: str, url: str, profile) -> str:
    """Load the page in headless Chromium; return what its script wrote into #out."""
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # tests often run as root, where the sandbox refuses to start
            "--disable-gpu",
            "--no-proxy-server",
            "--no-first-run",
            f"--user-data-dir={profile}",
            # Virtual time stands still while requests are pending, so the DOM is dumped after
            # the script's fetches have settled.
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = re.search(r'<pre id="out">(.*?)</pre>', result.stdout, re.S)
    assert match, (result.returncode, result.stdout, result.stderr[-2000:])
    return html.unescape(match.group(1))


@pytest.mark.parametrize("allowed", [True, False], ids=["cors-on", "cors-off"])
def test_a_browser_page_of_another_origin_calls_the_api(database_url, tmp_path, allowed):
    """The real server, a page from another origin, headless Chromium: the
    page's script gets its answers when the origin is allowed, and nothing when it is not."""
    browser = find_browser()
    if browser is None:
        pytest.skip(
            "no Chromium binary found (looked for " + ", ".join(BROWSERS) + "); "
            "install the chromium package to run the browser test"
        )
    page = PageServer()
    extra = {"TIMETRACKER_CORS_ORIGINS": page.origin} if allowed else {}
    try:
        with serve(database_url, server_env(TIMETRACKER_ADMIN_PASSWORD="pw", **extra)) as (
            port,
            _lines,
            _process,
        ):
            page.api_port = port
            out = run_page(browser, page.origin + "/", tmp_path / "profile")
            _, _, customers = request(port, "/api/v1/customers", auth=("admin", "pw"))
    finally:
        page.close()
    names = [c["name"] for c in customers["items"]]
    if not allowed:
        # The browser refuses the preflight's answer and never sends the POST.
        assert out.startswith("failed: TypeError"), out
        assert names == []
        return
    assert not out.startswith(("failed", "pending")), out
    result = json.loads(out)
    assert result["status"] == 200
    assert result["body"]["name"] == "Made in a browser"
    assert result["remaining"] is not None and int(result["remaining"]) >= 0
    assert (result["refused"], result["refusedKey"]) == (401, "api.error.not_authorized")
    assert names == ["Made in a browser"]
