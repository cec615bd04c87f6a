"""Where REST hooks may send events: the form of a target URL, the administrator's allow-lists,
and the address a delivery connects to.

Any user may subscribe, and a target URL names whatever its owner writes. Without these rules
a user could make the server POST to itself, to the machines beside it or to a cloud's metadata
service, and read in the delivery log what answered. So:

- A delivery connects only to a **public** address, judged on the address it connects to, at
  the moment it connects: the name is resolved once, here, and the connection goes to the
  address that was checked (no second lookup that DNS could answer differently, so a name that
  changes its answer between the check and the connection gains nothing). Not public: loopback,
  private, link-local, shared (100.64.0.0/10), multicast, unspecified, reserved, documentation
  and the other special-purpose ranges, and the IPv6 forms that carry such an IPv4 address
  (IPv4-mapped, IPv4-compatible, 6to4, NAT64).
- ``TIMETRACKER_HOOK_ALLOWED_NETWORKS`` names networks and ports that may be reached all the
  same (an internal receiver).
- ``TIMETRACKER_HOOK_ALLOWED_HOSTS``, when set, limits targets to the names and ports it lists,
  on top of the address rule.

A literal address is judged when the hook is made (``POST /hooks``); a name is not resolved
then, because its answer may change, only at every connection. A connection refused by these
rules says one fixed thing (:data:`REFUSED`), whatever is or is not at the address, so the
delivery log cannot tell a closed port from an open one.

An entry of either list may end with a port: ``:8443`` that port, ``:*`` any port; an entry
without one allows the scheme's default port only (80 for http, 443 for https). IPv6 networks
take a port in brackets: ``[fd00::/8]:8443``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from timetracker.errors import ApiError

DEFAULT_PORTS = {"http": 80, "https": 443}
ANY_PORT = "*"
MAX_URL_LENGTH = 2000

# One message for every refused connection: what is at the address stays unsaid.
REFUSED = (
    "Refused: the target's address is not one REST hooks may reach (not a public address, "
    "and not allowed by TIMETRACKER_HOOK_ALLOWED_NETWORKS)"
)

_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*", re.I)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PortRule = int | str | None  # a port, ANY_PORT, or None: the scheme's default port
Resolver = Callable[..., list]


class TargetRefused(Exception):
    """No address of the target may be connected to."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


# --- addresses -------------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for or is routed to, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: Address) -> bool:
    """Whether ``ip`` is an address of the public internet (and no special-purpose range)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public(embedded)
        if ip.is_site_local:
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _address(text: str) -> Address:
    """An address as ``getaddrinfo`` gives it (an IPv6 one may carry a ``%scope``)."""
    return ipaddress.ip_address(text.partition("%")[0])


def literal_address(host: str) -> Address | None:
    """The address a URL's host is, when it is one: in any form the system's resolver reads as
    an address (``127.1``, ``2130706433``, ``0x7f000001``), without asking any DNS."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return _address(infos[0][4][0]) if infos else None


# --- the administrator's lists -------------------------------------------------------------


def _split_port(entry: str) -> tuple[str, str | None]:
    """``host:443`` -> (host, "443"); ``[v6]:443`` -> (v6, "443"); a bare IPv6 network or a
    host alone -> (entry, None)."""
    if entry.startswith("["):
        inside, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError("a [ without its ] or with something after it but a :port")
        return inside, rest[1:] if rest else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, port
    return entry, None


def _port_rule(text: str | None) -> PortRule:
    if text is None:
        return None
    if text == ANY_PORT:
        return ANY_PORT
    if text.isdigit() and 1 <= int(text) <= 65535:
        return int(text)
    raise ValueError(f"{text!r} is not a port (1-65535, or * for any)")


def port_allowed(rule: PortRule, scheme: str, port: int) -> bool:
    if rule == ANY_PORT:
        return True
    return port == (DEFAULT_PORTS[scheme] if rule is None else rule)


@dataclass(frozen=True)
class HostRule:
    """An entry of TIMETRACKER_HOOK_ALLOWED_HOSTS: a name (``.example.com`` covers its
    subdomains too) and its port rule."""

    name: str
    port: PortRule

    @classmethod
    def parse(cls, entry: str) -> HostRule:
        if "/" in entry:
            raise ValueError("a host name and maybe a port, without a scheme or a path")
        host, port = _split_port(entry.strip())
        try:
            ascii_name = host.removeprefix(".").encode("idna").decode("ascii")
        except UnicodeError:
            ascii_name = ""
        if not _NAME.fullmatch(ascii_name) and literal_address(host) is None:
            raise ValueError("not a host name")
        return cls(host.lower().rstrip("."), _port_rule(port))

    def allows(self, host: str, scheme: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        name = self.name
        named = host == name or (name.startswith(".") and (host.endswith(name) or host == name[1:]))
        return named and port_allowed(self.port, scheme, port)


@dataclass(frozen=True)
class NetworkRule:
    """An entry of TIMETRACKER_HOOK_ALLOWED_NETWORKS: a network (or one address) and its port
    rule."""

    network: Network
    port: PortRule

    @classmethod
    def parse(cls, entry: str) -> NetworkRule:
        text, port = _split_port(entry.strip())
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            raise ValueError(f"not an address or network ({exc})") from None
        return cls(network, _port_rule(port))

    def allows(self, ip: Address, scheme: str, port: int) -> bool:
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)  # the very address a dual-stack socket reaches
        return port_allowed(self.port, scheme, port) and any(
            a.version == self.network.version and a in self.network for a in candidates
        )


def _problem(parse: Callable[[str], Any], example: str) -> Callable[[list[str]], str | None]:
    def check(entries: list[str]) -> str | None:
        for entry in entries:
            try:
                parse(entry)
            except ValueError as exc:
                return f"{entry!r}: {exc}; e.g. {example}"
        return None

    return check


check_allowed_hosts = _problem(HostRule.parse, "hooks.example.com, .example.com:8443, x.org:*")
check_allowed_networks = _problem(NetworkRule.parse, "10.0.0.0/8:*, 127.0.0.1:8099, fd00::/8")


# --- the rules --------------------------------------------------------------------------------


def _invalid_url() -> ApiError:
    return ApiError(
        400,
        "invalid_target_url",
        "target_url must be an http:// or https:// URL with a host, without credentials "
        f"or spaces, at most {MAX_URL_LENGTH} characters",
        fields="target_url",
    )


def _parts(url: str) -> tuple[SplitResult, int] | None:
    """A well-formed target's parts and port, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not one
        return None
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or any(c.isspace() for c in url)
        or len(url) > MAX_URL_LENGTH
    ):
        return None
    return parts, port or DEFAULT_PORTS[parts.scheme]


def receiver_of(url: str) -> tuple[str, int]:
    """Who receives at ``url``: its host and port (the unit of the deliverer's fair share)."""
    found = _parts(url)
    if found is None:
        return (url, 0)
    parts, port = found
    return (parts.hostname.rstrip("."), port)


@dataclass(frozen=True)
class Targets:
    """The administrator's rules on targets, and the checked way to their addresses.

    ``resolve`` is ``socket.getaddrinfo`` (tests give a resolver of their own, to name a
    loopback receiver as if it were elsewhere)."""

    hosts: tuple[HostRule, ...] | None = None  # None: any name
    networks: tuple[NetworkRule, ...] = ()
    resolve: Resolver = socket.getaddrinfo

    @classmethod
    def from_config(cls, config: Mapping[str, Any], resolve: Resolver | None = None) -> Targets:
        hosts = config.get("HOOK_ALLOWED_HOSTS")
        networks = config.get("HOOK_ALLOWED_NETWORKS") or ()
        return cls(
            tuple(HostRule.parse(h) for h in hosts) if hosts else None,
            tuple(NetworkRule.parse(n) for n in networks),
            resolve or socket.getaddrinfo,
        )

    def reachable(self, ip: Address, scheme: str, port: int) -> bool:
        """Whether a delivery may connect to ``ip:port``."""
        return is_public(ip) or any(rule.allows(ip, scheme, port) for rule in self.networks)

    def host_problem(self, url: str) -> ApiError | None:
        """Why TIMETRACKER_HOOK_ALLOWED_HOSTS refuses ``url``, or None."""
        if self.hosts is None:
            return None
        found = _parts(url)
        if found is None:
            return _invalid_url()
        parts, port = found
        if any(rule.allows(parts.hostname, parts.scheme, port) for rule in self.hosts):
            return None
        allowed = ", ".join(
            rule.name + ("" if rule.port is None else f":{rule.port}") for rule in self.hosts
        )
        return ApiError(
            400,
            "target_host_not_allowed",
            f"Hooks may not point to {parts.hostname}:{port}: this server sends events only "
            f"to {allowed} (a host without a port: its scheme's default port)",
            fields="target_url",
        )

    def url_problem(self, url: str) -> ApiError | None:
        """Why events may not be sent to ``url``, judged without any DNS lookup: its form,
        the allowed hosts, and the address it is when it is one. None: it may be tried."""
        found = _parts(url)
        if found is None:
            return _invalid_url()
        problem = self.host_problem(url)
        if problem:
            return problem
        parts, port = found
        ip = literal_address(parts.hostname)
        if ip is not None and not self.reachable(ip, parts.scheme, port):
            return ApiError(
                400,
                "target_address_not_allowed",
                f"Hooks may not send to {ip} port {port}: loopback, private, link-local, "
                "multicast, reserved and other non-public addresses are refused unless the "
                "server's TIMETRACKER_HOOK_ALLOWED_NETWORKS allows them",
                fields="target_url",
            )
        return None

    def addresses(
        self, scheme: str, host: str, port: int, seconds: float
    ) -> list[tuple[int, tuple]]:
        """The (family, socket address) pairs a delivery to ``host:port`` may connect to,
        resolved once within ``seconds``; TargetRefused when there are none."""
        if literal_address(host) is not None:
            infos = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        elif host.rstrip(".").lower().endswith(".invalid"):
            # RFC 6761: "invalid" names resolve to nothing, without asking anyone.
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: a name that never resolves")
        else:
            infos = _within(seconds, self.resolve, host, port, type=socket.SOCK_STREAM)
        allowed = [
            (family, sockaddr)
            for family, _type, _proto, _name, sockaddr in infos
            if self.reachable(_address(sockaddr[0]), scheme, port)
        ]
        if not allowed:
            raise TargetRefused()
        return allowed


def _within(seconds: float, function: Callable, *args: Any, **kwargs: Any) -> Any:
    """``function(*args)`` (a name lookup, which no time-out reaches) in a thread of its own,
    waited for at most ``seconds``: a slow DNS server delays one delivery, no longer."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="hook-resolve", daemon=True)
    thread.start()
    thread.join(max(seconds, 0))
    if thread.is_alive():
        raise TimeoutError(f"the name was not resolved within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
