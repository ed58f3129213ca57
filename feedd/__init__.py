"""feedd: news-portal section pages turned into RSS, Atom and JSON feeds."""

__version__ = "0.1.0"
