"""Outgoing HTTP requests, and the guard every one of them passes.

The portal sends requests to addresses its users type in (webhook endpoints), so each
request could be aimed at the portal's own network: its loopback interface, the database
host, a cloud metadata service. This module is the one way out:

* ``classify(address)`` says whether an IP address is public, or which kind of
  non-public address it is (loopback, private, link-local, multicast, broadcast,
  unspecified, reserved), looking through IPv4-mapped, NAT64 and 6to4 IPv6 forms;
* ``parse_host`` reads a host the way browsers and the C library do, so ``127.1``,
  ``0177.0.0.1``, ``2130706433``, ``0x7f000001`` and ``0x7f.0.0.1`` are all 127.0.0.1;
* ``check_url`` is the check when a URL is saved: an address, ``localhost`` (and names
  under ``.localhost``) or a name that resolves to a non-public address is refused; a
  name that does not resolve yet is accepted;
* ``post`` resolves the host once, checks every address in the answer, connects to an
  address it checked (no second lookup that a hostile DNS server could answer
  differently), verifies TLS against the host name, follows no redirect and gives up
  after ``timeout`` seconds in all.

``OUTGOING_ALLOWED_NETWORKS`` (a list of networks, empty by default) lets tests and local
development reach a receiver on a non-public address; production refuses to use it.
``resolve`` is the only function that asks DNS: tests stub it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from dataclasses import dataclass
from typing import Iterable, Union
from urllib.parse import quote, urlsplit

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

LOOKUP_TIMEOUT = 3.0  # seconds a DNS lookup may take
RESPONSE_PREVIEW_BYTES = 1024  # read at most this much of a response body

# What each kind of refused address is called in messages.
KINDS = {
    "loopback": "a loopback address",
    "private": "a private address",
    "link-local": "a link-local address",
    "multicast": "a multicast address",
    "broadcast": "the broadcast address",
    "unspecified": "an unspecified address",
    "reserved": "a reserved address",
}


class InvalidURL(ValueError):
    """The URL is not one we can send to (bad scheme, host or port)."""


class Refused(Exception):
    """The target is, or resolves to, an address outgoing requests may not reach."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SendFailed(Exception):
    """No answer: the name did not resolve, the connection failed or timed out, TLS
    verification failed, or the peer sent no valid HTTP response."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- addresses -----------------------------------------------------------------------------

def _net(text: str) -> IPNetwork:
    return ipaddress.ip_network(text)


# Checked in order; the first that contains the address names its kind.
_V4_KINDS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("0.0.0.0/8"), "unspecified"),  # "this network"; 0.0.0.0 reaches this machine
    (_net("127.0.0.0/8"), "loopback"),
    (_net("10.0.0.0/8"), "private"),
    (_net("172.16.0.0/12"), "private"),
    (_net("192.168.0.0/16"), "private"),
    (_net("100.64.0.0/10"), "private"),  # shared address space (carrier-grade NAT)
    (_net("169.254.0.0/16"), "link-local"),  # cloud metadata services live here
    (_net("224.0.0.0/4"), "multicast"),
    (_net("255.255.255.255/32"), "broadcast"),
    (_net("240.0.0.0/4"), "reserved"),
    (_net("192.0.0.0/24"), "reserved"),  # IETF protocol assignments
    (_net("192.0.2.0/24"), "reserved"),  # documentation
    (_net("198.51.100.0/24"), "reserved"),  # documentation
    (_net("203.0.113.0/24"), "reserved"),  # documentation
    (_net("198.18.0.0/15"), "reserved"),  # benchmarking
    (_net("192.88.99.0/24"), "reserved"),  # former 6to4 relays
)
_V6_KINDS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("::/128"), "unspecified"),
    (_net("::1/128"), "loopback"),
    (_net("fe80::/10"), "link-local"),
    (_net("fc00::/7"), "private"),  # unique local addresses
    (_net("fec0::/10"), "private"),  # deprecated site-local addresses
    (_net("ff00::/8"), "multicast"),
    (_net("64:ff9b:1::/48"), "private"),  # local-use NAT64
    (_net("::/96"), "reserved"),  # deprecated IPv4-compatible addresses
    (_net("100::/64"), "reserved"),  # discard
    (_net("2001:db8::/32"), "reserved"),  # documentation
    (_net("2001::/23"), "reserved"),  # IETF protocol assignments, Teredo
)
_NAT64 = _net("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = _net("2000::/3")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped ``::ffff:a.b.c.d``, the
    NAT64 prefix ``64:ff9b::/96``, 6to4 ``2002:aabb:ccdd::``), or None."""
    if address.version != 6:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def classify(address: IPAddress) -> str | None:
    """None for a public address; otherwise the kind of address it is (a key of KINDS).

    An IPv6 address that carries an IPv4 address is judged by the IPv4 address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return classify(inner)
    table = _V4_KINDS if address.version == 4 else _V6_KINDS
    for network, kind in table:
        if address in network:
            return kind
    if address.version == 6 and address not in _GLOBAL_UNICAST_V6:
        return "reserved"
    if not address.is_global or address.is_multicast or address.is_reserved:
        return "reserved"
    return None


def _ipv4_part(text: str) -> int | None:
    """One part of a dotted IPv4 address as the C library reads it: ``0x`` hex, a
    leading ``0`` octal, else decimal."""
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isascii() and text.isdigit() else None
    except ValueError:
        return None


def _looks_numeric(label: str) -> bool:
    if label[:2] in ("0x", "0X"):
        return all(c in "0123456789abcdefABCDEF" for c in label[2:])
    return label.isascii() and label.isdigit()


def parse_host(host: str) -> IPAddress | None:
    """The IP address ``host`` spells, in any of the forms resolvers accept, or None
    when it is a name. Raises InvalidURL for a host that ends in a number but is no
    valid address (``1.2.3.4.5``, ``256.1.1.1``): resolvers disagree about those."""
    host = host.strip("[]")
    if host.endswith("."):
        host = host[:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidURL("Enter a valid host name or address.") from None
    labels = host.split(".")
    if not labels or not labels[-1] or not _looks_numeric(labels[-1]):
        return None
    parts = [_ipv4_part(label) for label in labels] if len(labels) <= 4 else [None]
    if any(part is None for part in parts):
        raise InvalidURL("Enter a valid host name or address.")
    *head, last = parts
    if any(part > 255 for part in head) or last >= 256 ** (4 - len(head)):
        raise InvalidURL("Enter a valid host name or address.")
    value = 0
    for part in head:
        value = value * 256 + part
    return ipaddress.IPv4Address(value * 256 ** (4 - len(head)) + last)


def normalise_name(host: str) -> str:
    """A host name as it is compared: lower case, no trailing dot, IDNA (ASCII) form."""
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidURL("Enter a valid host name or address.") from None
    if not ascii_host or any(not (c.isalnum() or c in "-._") for c in ascii_host):
        raise InvalidURL("Enter a valid host name or address.")
    return ascii_host


def is_localhost(name: str) -> bool:
    return name == "localhost" or name.endswith(".localhost")


# --- allowed networks ----------------------------------------------------------------------

def allowed_networks() -> tuple[IPNetwork, ...]:
    """Non-public networks this process may reach anyway (``OUTGOING_ALLOWED_NETWORKS``):
    for tests and local development only."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return ()
    raw = current_app.config.get("OUTGOING_ALLOWED_NETWORKS") or ()
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if not raw:
        return ()
    if current_app.config.get("ENV_NAME") == "production":
        raise RuntimeError("OUTGOING_ALLOWED_NETWORKS is for tests and development; "
                           "production never sends to a non-public address.")
    return tuple(ipaddress.ip_network(str(n).strip(), strict=False) for n in raw)


def refusal(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why ``address`` may not be reached (the kind of address), or None when it may."""
    kind = classify(address)
    if kind is None:
        return None
    plain = embedded_ipv4(address) or address
    if any(plain.version == net.version and plain in net for net in allowed):
        return None
    return kind


# --- URLs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # a normalised name, or an address as text (IPv6 without brackets)
    port: int
    path: str  # path and query, as sent in the request line
    address: IPAddress | None  # set when the URL names an address rather than a host name


def parse_url(url: str) -> Target:
    """Split an http(s) URL into what a request needs; raises InvalidURL."""
    url = (url or "").strip()
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InvalidURL("The address must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        raise InvalidURL("Enter a valid http:// or https:// address.") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidURL("Enter an http:// or https:// address.")
    if port == 0:
        raise InvalidURL("The port must be a number from 1 to 65535.")
    if ":" in hostname:  # an IPv6 address (urlsplit has taken the brackets off)
        address = parse_host(hostname)
        host = str(address)
    else:
        # Normalised first: IDNA maps full-width digits and ideographic full stops to
        # ASCII, so "１２７。0。0。1" is read as the 127.0.0.1 a resolver would make of it.
        host = normalise_name(hostname)
        address = parse_host(host)
        host = str(address) if address is not None else host
    if address is not None and address.version == 6 and "%" in hostname:
        raise InvalidURL("Enter an address without a zone index.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # Non-ASCII in the path is sent percent-encoded; everything else as typed.
    path = quote(path, safe="".join(chr(c) for c in range(33, 127)))
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, host, port or default_port, path, address)


def _refusal_message(target: Target, address: IPAddress, kind: str) -> str:
    if target.address is not None:
        return f"{address} is {KINDS[kind]}"
    return f"{target.host} resolves to {address}, {KINDS[kind]}"


def check_url(url: str) -> Target:
    """The check when a URL is saved: refuses an invalid URL (InvalidURL), user
    information in it, and a host that is or resolves to a non-public address (Refused).
    A name that does not resolve (yet) is accepted: it is checked again at each request."""
    target = parse_url(url)
    allowed = allowed_networks()
    if target.address is not None:
        kind = refusal(target.address, allowed)
        if kind:
            raise Refused(_refusal_message(target, target.address, kind))
    elif is_localhost(target.host):
        loopback = ipaddress.IPv4Address("127.0.0.1")
        if refusal(loopback, allowed):
            raise Refused(f"{target.host} is a loopback address")
    else:
        try:
            addresses = lookup(target.host, target.port)
        except SendFailed:
            addresses = []
        _check_all(target, addresses, allowed)
    if "@" in urlsplit(url.strip()).netloc:
        raise InvalidURL("Enter the address without a user name or password.")
    return target


def _check_all(target: Target, addresses: list[IPAddress], allowed) -> None:
    for address in addresses:
        kind = refusal(address, allowed)
        if kind:
            raise Refused(_refusal_message(target, address, kind))


# --- DNS -----------------------------------------------------------------------------------

def resolve(host: str, port: int) -> list[str]:
    """The addresses DNS gives for ``host`` (the one place this module asks DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dns")


def lookup(host: str, port: int, timeout: float = LOOKUP_TIMEOUT) -> list[IPAddress]:
    """``resolve`` with a time limit, as addresses; raises SendFailed when the name does
    not resolve in time."""
    future = _lookups.submit(resolve, host, port)
    try:
        answer = future.result(timeout=timeout)
    except LookupTimeout:
        raise SendFailed(f"Looking up {host} timed out.") from None
    except (OSError, UnicodeError) as exc:
        raise SendFailed(f"{host} does not resolve ({exc}).") from None
    addresses = []
    for text in answer:
        try:
            addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            raise SendFailed(f"{host} resolved to something that is not an address.") from None
    if not addresses:
        raise SendFailed(f"{host} does not resolve.")
    return addresses


def checked_addresses(target: Target) -> list[IPAddress]:
    """The addresses a request to ``target`` may connect to: one lookup, and every
    address in the answer must pass (an answer that mixes a public and a private
    address is refused whole). Raises Refused or SendFailed."""
    allowed = allowed_networks()
    if target.address is not None:
        addresses = [target.address]
    elif is_localhost(target.host):
        addresses = [ipaddress.IPv4Address("127.0.0.1")]
    else:
        addresses = lookup(target.host, target.port)
    _check_all(target, addresses, allowed)
    return addresses


# --- sending -------------------------------------------------------------------------------

def tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's trust store and the URL's host name."""
    return ssl.create_default_context()


@dataclass(frozen=True)
class Response:
    status: int
    address: str  # the address that answered
    body: bytes | None  # the start of the body; None unless the address is public

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400


def _connection(target: Target, address: IPAddress, timeout: float) -> http.client.HTTPConnection:
    """A connection to ``target`` that connects to ``address`` and nowhere else; the
    Host header, SNI and certificate check use the URL's host."""
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=tls_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def pinned(_address, timeout=timeout, source_address=None):
        return socket.create_connection((str(address), target.port), timeout, source_address)

    conn._create_connection = pinned  # http.client's hook for how to open the socket
    return conn


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> Response:
    """POST ``body`` to ``url`` once: no redirect is followed, no proxy is used, and the
    whole exchange (connecting, TLS, sending, reading the status and the start of the
    body) is cut off after ``timeout`` seconds. Raises InvalidURL, Refused or SendFailed."""
    target = parse_url(url)
    addresses = checked_addresses(target)
    current: list[http.client.HTTPConnection] = []
    timed_out = threading.Event()

    def cut_off():
        timed_out.set()
        sock = current[-1].sock if current else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, cut_off)
    timer.daemon = True
    timer.start()
    try:
        connected = _connect(target, addresses, timeout, current)
        conn = current[-1]
        try:
            conn.request("POST", target.path, body=body,
                         headers={**headers, "Connection": "close"})
            response = conn.getresponse()
            preview = response.read(RESPONSE_PREVIEW_BYTES)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise SendFailed(_describe(exc)) from None
    except SendFailed:
        if timed_out.is_set():
            raise SendFailed(f"No response within {timeout:g} seconds.") from None
        raise
    finally:
        timer.cancel()
        for conn in current:
            conn.close()
    if timed_out.is_set():
        raise SendFailed(f"No response within {timeout:g} seconds.")
    public = classify(connected) is None
    return Response(status=response.status, address=str(connected),
                    body=preview if public else None)


def _connect(target: Target, addresses: list[IPAddress], timeout: float,
             current: list[http.client.HTTPConnection]) -> IPAddress:
    """Connect to the first checked address that answers (as the C library would try
    each); the connection is appended to ``current``. Nothing has been sent yet when a
    connection fails, so trying the next address cannot send anything twice."""
    errors = []
    for address in addresses:
        conn = _connection(target, address, timeout)
        current.append(conn)
        try:
            conn.connect()
        except ssl.SSLError as exc:  # the certificate or the handshake: no other address
            detail = getattr(exc, "verify_message", None) or exc.reason or str(exc)
            raise SendFailed(f"TLS failed: {detail}") from None
        except OSError as exc:
            errors.append(f"{address}: {_describe(exc)}")
            continue
        return address
    raise SendFailed("Could not connect (" + "; ".join(errors) + ").")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without a response"
    if isinstance(exc, http.client.HTTPException):
        return f"not a valid HTTP response ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
