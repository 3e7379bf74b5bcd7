"""Benchmark: public form POST under gunicorn at 32 concurrent clients, against a bare endpoint.

Uses wrk (Debian's package). Each wrk connection posts the form with a session cookie and
CSRF token taken from one real GET of the form, as a browser would; the rate limit is off.
Reports median and 99th-percentile latency and throughput as a share of a bare "hello"
endpoint served by the same gunicorn (target: at least 0.5).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.common import fresh_database, gunicorn, workbench, workbench_env

LUA = """
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE")
"""


def parse_wrk(output: str) -> dict:
    def to_ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "latency_median_ms": round(to_ms(percentiles["50"]), 1),
        "latency_p99_ms": round(to_ms(percentiles["99"]), 1),
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
    }


def wrk(url: str, connections: int, seconds: int, script: Path | None = None, env=None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, env=env)
    return parse_wrk(output.stdout)


def form_session(server: str) -> tuple[str, str]:
    """One real GET of the form: the session cookie and the CSRF token it carries."""
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    connection.request("GET", "/f/feedback")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return cookie, token


def run(connections: int = 32, seconds: int = 15, database_url: str | None = None) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder, fresh_database(database_url, folder) as url:
        env = workbench_env(url)
        workbench(["db", "upgrade"], env)
        workbench(["demo"], env)
        script = Path(folder) / "post.lua"
        script.write_text(LUA)
        with gunicorn(env) as server:
            cookie, token = form_session(server)
            body = urlencode(
                {
                    "csrf_token": token,
                    "text": "Leveransen var snabb men förpackningen var trasig.",
                    "rating": "3",
                    "attribute_0": "4",
                }
            )
            wrk_env = {"WRK_BODY": body, "WRK_COOKIE": cookie, "PATH": "/usr/bin:/bin"}
            wrk(server + "/bench-hello", connections, 3)  # warm-up
            hello = wrk(server + "/bench-hello", connections, seconds)
            form = wrk(server + "/f/feedback", connections, seconds, script, wrk_env)
    return {
        "connections": connections,
        "database": url.split(":")[0],
        "hello": hello,
        "form_post": form,
        "form_share_of_hello": round(form["requests_per_second"] / hello["requests_per_second"], 2),
    }


if __name__ == "__main__":
    database = sys.argv[1] if len(sys.argv) > 1 else None
    print(json.dumps(run(database_url=database), indent=2))
