"""The systemd notify protocol, spoken directly (no libsystemd binding needed).

systemd hands a service the address of an AF_UNIX datagram socket in NOTIFY_SOCKET;
each datagram is newline-separated `KEY=value` assignments (READY=1, STATUS=...,
WATCHDOG=1, RELOADING=1, STOPPING=1). An address starting with "@" lives in the
abstract namespace, which on the wire starts with a NUL byte.

Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op, so the daemon code
never has to ask whether it runs under systemd.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

# systemd truncates longer STATUS= texts anyway; keeping datagrams small avoids EMSGSIZE.
_STATUS_LIMIT = 400


def _socket_address(raw: str | None) -> str | bytes | None:
    """The address to send to, or None when the value is not a socket we can use."""
    if not raw:
        return None
    if raw.startswith("@"):
        return b"\0" + raw[1:].encode()
    if raw.startswith("/"):
        return raw
    # e.g. "vsock:..." from newer systemd: not an AF_UNIX path, so there is nothing to speak to.
    log.debug("NOTIFY_SOCKET %r is not a unix socket address; notifications off", raw)
    return None


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    """Seconds between WATCHDOG=1 pings: half of WATCHDOG_USEC, as sd_watchdog_enabled advises."""
    usec = env.get("WATCHDOG_USEC")
    if not usec:
        return None
    pid = env.get("WATCHDOG_PID")
    # The watchdog settings were meant for another process (e.g. inherited by a child).
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    try:
        micro = int(usec)
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC=%r: not an integer", usec)
        return None
    return micro / 2_000_000 if micro > 0 else None


@dataclass(frozen=True)
class Notifier:
    """Sends state changes to the service manager; silent when there is none."""

    address: str | bytes | None = None
    watchdog_interval: float | None = None

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Notifier:
        """A notifier for the socket and watchdog named in the environment (os.environ by default)."""
        values = os.environ if env is None else env
        address = _socket_address(values.get("NOTIFY_SOCKET"))
        interval = _watchdog_interval(values) if address is not None else None
        return cls(address=address, watchdog_interval=interval)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *assignments: str) -> bool:
        """Send one datagram of KEY=value lines; True when it left, False when off or refused."""
        if self.address is None or not assignments:
            return False
        payload = "\n".join(assignments).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self.address)
        except OSError as exc:
            # A vanished manager must never take the daemon down; the next message may get through.
            log.debug("systemd notify %r failed: %s", assignments, exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.send("READY=1", *self._status_lines(status))

    def reloading(self) -> bool:
        # MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match the reload to this message.
        return self.send("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")

    def stopping(self, status: str | None = None) -> bool:
        return self.send("STOPPING=1", *self._status_lines(status))

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.send(*self._status_lines(text))

    @staticmethod
    def _status_lines(text: str | None) -> tuple[str, ...]:
        if text is None:
            return ()
        one_line = " ".join(text.split())[:_STATUS_LIMIT]
        return (f"STATUS={one_line}",)
