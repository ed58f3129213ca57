"""`make demo`: feedd polling a replayed Chinese news portal on this machine, feeds served over HTTP.

Starts the test portal on 127.0.0.1, writes a config into a fresh folder, runs `feedd once` for a few rounds
while the portal's lists grow, prints where the feeds are and how to read them with newsboat, then keeps
the portal and the output folder served until Ctrl-C (or exits at once with --once).
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.portal.pages import LINK_SELECTORS, ROUNDS, SECTION_TITLES
from tests.portal.server import Portal

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SOURCE = "portal"


class _FeedHandler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain class attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/rss+xml; charset=utf-8",
        ".atom": "application/atom+xml; charset=utf-8",
        ".json": "application/feed+json; charset=utf-8",
        ".opml": "text/x-opml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve_folder(folder: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_FeedHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="feeds", daemon=True).start()
    return server


def _write_config(workdir: Path, portal: Portal, base_url: str, selectors: bool) -> Path:
    sections = [
        {"id": s, "title": t, "url": portal.section_url(s), **({"links": LINK_SELECTORS[s]} if selectors else {})}
        for s, t in SECTION_TITLES.items()
    ]
    config = {
        "output_dir": str(workdir / "public"),
        "state_path": str(workdir / "state" / "feedd.sqlite3"),
        "base_url": base_url,
        "allow_private_networks": True,
        "host_gap": 0.0,
        "defaults": {"interval": "15m", "keep_items": 100},
        "sources": [{"id": SOURCE, "name": "测试门户", "timezone": "Asia/Shanghai", "sections": sections}],
    }
    path = workdir / "feedd.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _poll(config: Path, portal: Portal) -> int:
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "feedd", "once", "--config", str(config)],
                               cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    requests = portal.requests(portal.round)
    articles = [r for r in requests if "/c_" in r.path]
    print(f"\n--- round {portal.round}: feedd once exit {completed.returncode} in {seconds:.2f} s; "
          f"{len(requests)} requests to the portal ({len(articles)} article pages)")
    print(completed.stdout.rstrip())
    if completed.returncode != 0:
        print(completed.stderr.rstrip()[-2000:])
    return completed.returncode


def _print_where(workdir: Path, feeds_url: str) -> None:
    public = workdir / "public"
    urls_file = workdir / "newsboat-urls"
    urls_file.write_text("".join(f"{feeds_url}{SOURCE}/{s}.xml\n" for s in SECTION_TITLES), encoding="utf-8")
    print("\nFeeds:")
    for section in SECTION_TITLES:
        for fmt in ("xml", "atom", "json"):
            path = public / SOURCE / f"{section}.{fmt}"
            where = path.as_uri() if path.exists() else f"{path} (missing)"
            print(f"  {where}   {feeds_url}{SOURCE}/{section}.{fmt}")
    print(f"  overview: {feeds_url}index.html   OPML: {feeds_url}feeds.opml")
    print(f"\nRead them:  HOME={workdir} newsboat -u {urls_file} -c {workdir / 'newsboat-cache.db'}")
    print(f"Config: {workdir / 'feedd.yaml'}   (poll again: {sys.executable} -m feedd once --config "
          f"{workdir / 'feedd.yaml'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--once", action="store_true", help="poll, print, and exit instead of serving")
    parser.add_argument("--rounds", type=int, default=2, choices=range(1, ROUNDS + 1),
                        help="how many polls while the portal grows (default 2)")
    parser.add_argument("--automatic", action="store_true", help="no `links` selectors: automatic discovery")
    parser.add_argument("--dir", type=Path, help="work folder (default: a new temporary folder)")
    args = parser.parse_args(argv)

    workdir = args.dir.resolve() if args.dir else Path(tempfile.mkdtemp(prefix="feedd-demo-"))
    (workdir / "public").mkdir(parents=True, exist_ok=True)
    feeds = _serve_folder(workdir / "public")
    feeds_url = f"http://127.0.0.1:{feeds.server_address[1]}/"
    worst = 0
    with Portal(CORPUS) as portal:
        print(f"Test portal: {portal.origin}/politics/  /world/  /fortune/   (robots: {portal.origin}/robots.txt)")
        config = _write_config(workdir, portal, feeds_url, selectors=not args.automatic)
        for round_ in range(1, args.rounds + 1):
            if round_ > 1:
                portal.advance()
            worst = max(worst, _poll(config, portal))
        _print_where(workdir, feeds_url)
        if not args.once:
            print("\nServing the portal and the feeds; Ctrl-C to stop.")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                print()
    feeds.shutdown()
    feeds.server_close()
    return worst


if __name__ == "__main__":
    sys.exit(main())
