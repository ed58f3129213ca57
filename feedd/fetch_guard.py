"""The connection layer under fetch: where a socket may go, and how long a whole fetch may take.

Every connection is made to an address checked against the section's Access, the very address
resolved (so a DNS answer that changes between check and connect cannot smuggle a private address
in). A Deadline covers a whole fetch: when it runs out, the socket in use is shut, because a server
dripping one header byte at a time never trips a per-read timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from feedd.errors import BlockedDestinationError, FetchError

# IPv6 forms that carry an IPv4 address in their low 32 bits: IPv4-compatible (deprecated),
# IPv4-mapped, SIIT IPv4-translated and the well-known NAT64 prefix.
_V4_CARRIERS = tuple(ipaddress.ip_network(n) for n in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# Not global, yet missing from some Python versions' tables (192.0.0.8 passes on 3.11).
_NEVER_PUBLIC = tuple(ipaddress.ip_network(n) for n in ("192.0.0.0/24", "64:ff9b:1::/48"))


@dataclass(frozen=True)
class Access:
    """Which destinations a section may reach beyond the public internet."""

    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()  # "host" or "host:port", lower case

    def permits(self, host: str, port: int, address: str) -> bool:
        if self.allow_private:
            return True
        host = host.lower().strip("[]")
        spellings = (host, f"{host}:{port}", f"[{host}]", f"[{host}]:{port}")
        if any(spelling in self.allow_hosts for spelling in spellings):
            return True
        return is_public_address(address)


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses only (mapped and NAT64 forms unwrapped)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.sixtofour is not None:
            return is_public_address(str(ip.sixtofour))
        if any(ip in network for network in _V4_CARRIERS):
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not ip.is_multicast


class Deadline:
    """The time budget of one whole fetch. When it runs out, the socket in use is shut down,
    which wakes a read blocked on a server that drips bytes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        with self._lock:
            return self._expired

    def remaining(self) -> float:
        return max(0.001, self._ends - time.monotonic())

    def nearly_over(self) -> bool:
        return self.expired or self._ends - time.monotonic() < 0.05

    def watch(self, sock: socket.socket | None) -> None:
        """From now on this socket is the one to shut when time runs out."""
        with self._lock:
            self._sock = sock
            if self._expired and sock is not None:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            if self._sock is not None:
                _shut(self._sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)


def _guarded_socket(access: Access, host: str, port: int, timeout: float | None,
                    deadline: Deadline | None) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"{host}:{port}", f"cannot resolve host: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    refused = [a for a in addresses if not access.permits(host, port, a)]
    if refused:
        raise BlockedDestinationError(
            f"{host}:{port}", f"destination {refused[0]} is not a public address "
            "(set allow_private_networks or allow_hosts to permit it)")
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout if deadline is None else min(timeout or 1e9, deadline.remaining()))
        if deadline is not None:
            deadline.watch(sock)
        try:
            sock.connect(sockaddr)  # the very address checked above: no second lookup
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"no address for {host}")


class Deadlines(threading.local):
    """The deadline of the fetch running on each thread (None between fetches)."""

    current: Deadline | None = None


class _GuardedHTTPConnection(HTTPConnection):
    access: ClassVar[Access]
    deadlines: ClassVar[Deadlines]

    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self.access, self._dns_host, self.port, self.timeout, self.deadlines.current)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_kept_alive(self.deadlines, self.sock)
        super().request(*args, **kwargs)


class _GuardedHTTPSConnection(_GuardedHTTPConnection, HTTPSConnection):
    """The same guard; TLS is set up by HTTPSConnection on the guarded socket (next in the MRO)."""


def _watch_kept_alive(deadlines: Deadlines, sock: socket.socket | None) -> None:
    # A pooled connection skips _new_conn, so the running fetch adopts its socket here.
    if deadlines.current is not None and sock is not None:
        deadlines.current.watch(sock)


class GuardedAdapter(HTTPAdapter):
    def __init__(self, access: Access, deadlines: Deadlines) -> None:
        self._access = access
        self._deadlines = deadlines
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        extra = {"access": self._access, "deadlines": self._deadlines}
        http_conn = type("Conn", (_GuardedHTTPConnection,), extra)
        https_conn = type("TLSConn", (_GuardedHTTPSConnection,), extra)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
