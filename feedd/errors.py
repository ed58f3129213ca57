"""Every exception feedd raises on purpose lives here.

Each error names the place it happened (a file and key path, a URL) so a log line
alone tells the user where to look.
"""

from __future__ import annotations

# EX_CONFIG from sysexits.h: the unit lists it in RestartPreventExitStatus=, so a bad config is not restarted.
EXIT_CONFIG = 78


class FeeddError(Exception):
    """Base of every error feedd raises on purpose."""


class ConfigError(FeeddError):
    """The YAML configuration is wrong; the message names file, line and key path."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None, key: str = "") -> None:
        self.path = path
        self.line = line
        self.key = key
        where = path
        if line is not None:
            where = f"{where}:{line}"
        if key:
            where = f"{where}: {key}" if where else key
        super().__init__(f"{where}: {message}" if where else message)


class SelectorError(FeeddError):
    """A CSS or XPath selector does not compile."""


class FetchError(FeeddError):
    """A page could not be fetched: transport failure, HTTP status, size or time limits."""

    def __init__(self, url: str, reason: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{url}: {reason}")


class BlockedDestinationError(FetchError):
    """The URL points at an address or scheme feedd refuses to fetch."""


class RobotsDisallowedError(FetchError):
    """robots.txt of the host does not allow feedd to fetch this URL."""


class DecodeError(FeeddError):
    """Page bytes could not be turned into trustworthy text (unknown charset, mojibake, binary)."""


class ExtractError(FeeddError):
    """An article page yielded no usable article."""


class DiscoverError(FeeddError):
    """A listing page yielded no credible list of article links."""


class StoreError(FeeddError):
    """The SQLite store could not be read or written."""


class RenderError(FeeddError):
    """Stored items could not be rendered into a feed."""


class PublishError(FeeddError):
    """A feed file could not be written to the output folder."""
