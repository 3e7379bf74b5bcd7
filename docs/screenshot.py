"""Take the README's screenshot: the topic browser of the demo data, seen by a product owner.

``make screenshot`` runs this. Without ``--url`` it builds the demo in a temporary folder
(``workbench db upgrade``, ``workbench demo``, ``workbench topics run``), serves it with
``workbench serve`` on a free port, takes the picture and stops the server again. With ``--url``
it photographs a demo that is already running (log in with ``--password``).

The browser is Debian's Chromium (``/usr/bin/chromium`` or ``WORKBENCH_CHROMIUM``), driven by
Playwright, as in the browser tests.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER = "product-owner@example.com"
DEFAULT_OUT = ROOT / "docs" / "images" / "topic-browser.png"
MAX_BYTES = 200_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The demo server at {url} did not answer within {seconds:.0f} s.")


def capture(url: str, password: str, out: Path, path: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
            page.goto(f"{url}/login")
            page.fill("input[name=email]", USER)
            page.fill("input[name=password]", password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state("networkidle")
            page.goto(f"{url}{path}")
            page.wait_for_load_state("networkidle")
            out.parent.mkdir(parents=True, exist_ok=True)
            # The viewport, not the full page: one screen of a text page stays small.
            page.screenshot(path=str(out), full_page=False)
        finally:
            browser.close()
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{out} is {size:,} bytes, more than {MAX_BYTES:,}: use a smaller view.")
    print(f"Wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({size:,} bytes)")


def serve_demo_and_capture(out: Path, path: str) -> None:
    password = "screenshot-demo-pass"
    with tempfile.TemporaryDirectory(prefix="workbench-screenshot-") as folder:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "WORKBENCH_DATABASE_URL": f"sqlite:///{folder}/workbench.db",
            "WORKBENCH_INSTANCE_PATH": f"{folder}/instance",
            "WORKBENCH_SECRET_KEY": os.urandom(32).hex(),
            "WORKBENCH_DEMO_PASSWORD": password,
            "WORKBENCH_BASE_URL": url,
        }
        workbench = str(BIN / "workbench")
        for command in (["db", "upgrade"], ["demo"], ["topics", "run"]):
            subprocess.run([workbench, *command], env=env, cwd=ROOT, check=True)
        server = subprocess.Popen(
            [workbench, "serve", "--port", str(port), "--workers", "1"], env=env, cwd=ROOT
        )
        try:
            wait_until_up(url)
            capture(url, password, out, path)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo, such as http://127.0.0.1:5000")
    parser.add_argument("--password", help="the demo users' password (with --url)")
    parser.add_argument("--path", default="/topics", help="the page to photograph")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    out = args.out.resolve()
    if args.url:
        password = args.password or os.environ.get("WORKBENCH_DEMO_PASSWORD")
        if not password:
            parser.error("--url needs --password (or WORKBENCH_DEMO_PASSWORD)")
        capture(args.url.rstrip("/"), password, out, args.path)
    else:
        serve_demo_and_capture(out, args.path)


if __name__ == "__main__":
    main()
