"""Where REST hooks may send: public addresses only, judged on the address a delivery connects
to; the administrator's allowed networks and hosts, with ports; HTTPS to a checked address with
the certificate checked against the URL's name. A refused delivery reveals nothing of what is at
the address."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess

import pytest

from tests.conftest import ADMIN_PASSWORD, ApiClient
from tests.receiver import Receiver, Resetter
from tests.test_server import free_port
from timetracker.config import SettingError, load_config
from timetracker.services.hook_delivery import Deliverer
from timetracker.services.hook_targets import REFUSED, NetworkRule, Targets


class Clock:
    def __init__(self):
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def receiver_port(receiver: Receiver) -> int:
    return receiver.server.server_address[1]


class FakeDNS:
    """A resolver that knows the names it is told (to the addresses it is told), and counts
    the lookups; any other name is unknown."""

    def __init__(self, **names: list[str]):
        self.names = {name.replace("_", "."): addresses for name, addresses in names.items()}
        self.lookups: list[str] = []

    def __call__(self, host, port, type=0, **_kw):  # noqa: A002 - getaddrinfo's name
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in self.names[host]
        ]


REFUSED_AT_ONCE = [
    "http://127.0.0.1:8099/hook",
    "http://[::1]:8099/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://017700000001/hook",
    "http://0.0.0.0/hook",
    "http://0/hook",
    "http://[::]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::127.0.0.1]/hook",  # IPv4-compatible
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::1]/hook",  # the local-use NAT64 prefix
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
    "http://198.51.100.7/hook",  # documentation
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[fec0::1]/hook",
    "http://[ff02::1]/hook",
    "http://[2001:db8::1]/hook",
]


@pytest.mark.parametrize("url", REFUSED_AT_ONCE)
def test_non_public_literal_addresses_are_refused_at_subscription(admin, url):
    answer = admin.post("/hooks", json={"target_url": url, "event": "*"})
    body = answer.get_json()
    assert (answer.status_code, body["key"]) == (400, "api.error.target_address_not_allowed")
    assert body["fields"] == "target_url" and "TIMETRACKER_HOOK_ALLOWED_NETWORKS" in body["message"]
    assert admin.ok("get", "/hooks")["items"] == []


def test_public_literal_addresses_and_names_are_accepted(admin):
    """A name is not looked up when the hook is made (it is judged at each connection)."""
    for url in ("http://8.8.8.8/hook", "https://[2606:4700::1111]/hook",
                "https://hooks.example.com/t", "http://localhost:8099/hook"):  # fmt: skip
        admin.ok("post", "/hooks", {"target_url": url, "event": "*"})


def test_a_refused_address_looks_the_same_whatever_is_there(app, admin):
    """Names for loopback (resolved at delivery) to a closed port, to a server that resets the
    connection and to one answering 403: no connection is made, and the three deliveries,
    hooks and log entries read alike, so the log tells nothing of the ports."""
    resetter, forbidding = Resetter(), Receiver(statuses=[403])
    try:
        ports = (free_port(), resetter.port, receiver_port(forbidding))
        hooks = [
            admin.ok("post", "/hooks", {"target_url": f"http://localhost:{port}/", "event": "*"})
            for port in ports
        ]
        admin.ok("post", "/customers", {"name": "Initech"})
        Deliverer.for_app(app, timeout=5, clock=Clock()).run_once()
        assert resetter.accepted == 0 and forbidding.received == []
    finally:
        resetter.close()
        forbidding.close()
    seen = set()
    for hook in hooks:
        [attempt] = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
        after = admin.ok("get", f"/hooks/{hook['id']}")
        seen.add((attempt["status"], attempt["error"], after["enabled"], after["disabledReason"]))
    assert seen == {(None, REFUSED, False, REFUSED)}


def test_allowed_networks_open_an_address_at_a_port(make_app, receiver):
    """TIMETRACKER_HOOK_ALLOWED_NETWORKS: 127.0.0.1 at the receiver's port, and no other."""
    port = receiver_port(receiver)
    app = make_app(HOOK_ALLOWED_NETWORKS=[f"127.0.0.1:{port}"])
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    literal = admin.ok("post", "/hooks", {"target_url": f"http://127.0.0.1:{port}/a", "event": "*"})
    named = admin.ok("post", "/hooks", {"target_url": f"http://localhost:{port}/b", "event": "*"})
    other = free_port()
    answer = admin.post("/hooks", json={"target_url": f"http://127.0.0.1:{other}/", "event": "*"})
    assert answer.get_json()["key"] == "api.error.target_address_not_allowed"
    wrong_port = admin.ok(
        "post", "/hooks", {"target_url": f"http://localhost:{other}/", "event": "*"}
    )
    admin.ok("post", "/customers", {"name": "Initech"})
    Deliverer.for_app(app, timeout=5, clock=Clock()).run_once()
    assert sorted(r.path for r in receiver.received) == ["/a", "/b"]
    for hook in (literal, named):
        assert admin.ok("get", f"/hooks/{hook['id']}")["failures"] == 0
    refused = admin.ok("get", f"/hooks/{wrong_port['id']}")
    assert (refused["enabled"], refused["disabledReason"]) == (False, REFUSED)
    # Enabling again is judged as a subscription is: a name is tried again at delivery.
    admin.ok("patch", f"/hooks/{wrong_port['id']}", {"enabled": True})


def test_the_connection_goes_to_the_address_that_was_checked(app, admin, receiver):
    """One lookup per connection, by the deliverer, and the connection goes to the address it
    checked: a name only this resolver knows is delivered to; when the name's answer changes
    to a forbidden address (DNS rebinding) the next delivery is refused; of a mixed answer
    only the allowed address is used."""
    port = receiver_port(receiver)
    dns = FakeDNS(rebind_test=["127.0.0.1"])
    targets = Targets(None, (NetworkRule.parse(f"127.0.0.1:{port}"),), dns)
    deliverer = Deliverer(app.extensions["timetracker"]["engine"], targets, clock=Clock())
    hook = admin.ok("post", "/hooks", {"target_url": f"http://rebind.test:{port}/h", "event": "*"})
    admin.ok("post", "/customers", {"name": "First"})
    deliverer.run_once()
    [first] = receiver.received
    assert first.headers["Host"] == f"rebind.test:{port}" and dns.lookups == ["rebind.test"]

    dns.names["rebind.test"] = ["192.168.1.10", "127.0.0.1"]
    admin.ok("post", "/customers", {"name": "Second"})
    deliverer.run_once()
    assert [e["name"] for e in receiver.events] == ["First", "Second"]

    dns.names["rebind.test"] = ["169.254.169.254"]
    admin.ok("post", "/customers", {"name": "Third"})
    deliverer.run_once()
    assert len(receiver.received) == 2 and len(dns.lookups) == 3
    refused = admin.ok("get", f"/hooks/{hook['id']}")
    assert (refused["enabled"], refused["disabledReason"]) == (False, REFUSED)


def test_invalid_names_are_never_looked_up(app, admin):
    dns = FakeDNS()
    deliverer = Deliverer(app.extensions["timetracker"]["engine"], Targets(resolve=dns))
    hook = admin.ok("post", "/hooks", {"target_url": "https://hooks.example.invalid/t",
                                       "event": "*"})  # fmt: skip
    admin.ok("post", "/customers", {"name": "Initech"})
    deliverer.run_once()
    [attempt] = admin.ok("get", f"/hooks/{hook['id']}/deliveries")["items"]
    assert attempt["status"] is None and "never resolves" in attempt["error"]
    assert dns.lookups == []
    assert admin.ok("get", f"/hooks/{hook['id']}")["enabled"]  # retried, as any failure


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for receiver.test: (certificate file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=receiver.test", "-addext",
         "subjectAltName=DNS:receiver.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_checks_the_certificate_against_the_name(app, admin, certificate):
    """The connection goes to the checked address; SNI and the certificate check use the URL's
    name: receiver.test is delivered to, other.test (same address, a certificate not its own)
    is not."""
    cert, key = certificate
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    receiver = Receiver(tls=server_side)
    try:
        port = receiver_port(receiver)
        dns = FakeDNS(receiver_test=["127.0.0.1"], other_test=["127.0.0.1"])
        targets = Targets(None, (NetworkRule.parse(f"127.0.0.1:{port}"),), dns)
        trusted = ssl.create_default_context(cafile=str(cert))
        engine = app.extensions["timetracker"]["engine"]
        deliverer = Deliverer(engine, targets, clock=Clock(), ssl_context=trusted)
        good = admin.ok("post", "/hooks", {"target_url": f"https://receiver.test:{port}/ok",
                                           "event": "*"})  # fmt: skip
        bad = admin.ok("post", "/hooks", {"target_url": f"https://other.test:{port}/no",
                                          "event": "*"})  # fmt: skip
        admin.ok("post", "/customers", {"name": "Initech"})
        deliverer.run_once()
        assert [r.path for r in receiver.received] == ["/ok"]
        assert "receiver.test" in receiver.server_names
        assert receiver.received[0].headers["Host"] == f"receiver.test:{port}"
    finally:
        receiver.close()
    [ok] = admin.ok("get", f"/hooks/{good['id']}/deliveries")["items"]
    [failed] = admin.ok("get", f"/hooks/{bad['id']}/deliveries")["items"]
    assert ok["status"] == 200
    assert failed["status"] is None and "CERTIFICATE_VERIFY_FAILED" in failed["error"]


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("HOOK_ALLOWED_NETWORKS", "10.1.0.0/8", "host bits set"),
        ("HOOK_ALLOWED_NETWORKS", "hooks.example.com", "not an address or network"),
        ("HOOK_ALLOWED_NETWORKS", "127.0.0.1:0", "not a port"),
        ("HOOK_ALLOWED_NETWORKS", "[fd00::/8", "without its ]"),
        ("HOOK_ALLOWED_HOSTS", "https://hooks.example.com", "without a scheme"),
        ("HOOK_ALLOWED_HOSTS", "hooks.example.com:99999", "not a port"),
        ("HOOK_ALLOWED_HOSTS", "hooks example.com", "not a host name"),
        ("HOOK_TIMEOUT", "0", "from 1 to 20"),
        ("HOOK_TIMEOUT", "ten", "not a whole number"),
        ("HOOK_MAX_PER_USER", "0", "from 1 to 10000"),
    ],
)
def test_hook_settings_are_checked(monkeypatch, setting, value, problem):
    monkeypatch.setenv(f"TIMETRACKER_{setting}", value)
    with pytest.raises(SettingError, match=problem) as raised:
        load_config()
    assert f"TIMETRACKER_{setting}" in str(raised.value)


def test_hook_settings_are_read(monkeypatch):
    monkeypatch.setenv(
        "TIMETRACKER_HOOK_ALLOWED_NETWORKS", "10.0.0.0/8:*, 127.0.0.1:8099, fd00::/8"
    )
    monkeypatch.setenv("TIMETRACKER_HOOK_ALLOWED_HOSTS", "hooks.example.com,[::1]:8443")
    config = load_config()
    targets = Targets.from_config(config)
    assert [str(r.network) for r in targets.networks] == ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"]
    assert [r.port for r in targets.networks] == ["*", 8099, None]
    assert [(r.name, r.port) for r in targets.hosts] == [("hooks.example.com", None), ("::1", 8443)]
    assert (config["HOOK_TIMEOUT"], config["HOOK_MAX_PER_USER"]) == (10, 20)
