"""Upload memory benchmark. Prints one `name: value` line per figure.

A 50 MB 903 extract (a Header and an Episodes CSV file, synthetic rows) is posted to the real
upload form, served by one gunicorn sync worker with DEBUG off, from a client that streams the
request body from disk, so that only the server holds what the server holds. The upload is
kept and its processing queued on Redis (as in production, where a Celery worker processes
it), so the figures are the web worker's own: `upload_baseline_rss_mb` is its peak resident
set (VmHWM) after serving one page, `upload_peak_rss_mb` its peak once the upload is kept.
The budget is 300 MB (docs/uploads.md#limits).

The cells limit is raised for the server: 50 MB of CSV is about 6.5 million cells, more than
an upload may have by default, and a refused upload would not measure keeping one.
"""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# As bench.pages: production settings, and the static files it collects (pages name them).
_STATIC_ROOT = Path(__file__).resolve().parent / "data" / "static"
os.environ.update(
    {
        "DJANGO_DEBUG": "False",
        "STATIC_ROOT": str(_STATIC_ROOT),
        "SECRET_KEY": "bench-only-not-a-secret",  # noqa: S105 - a throwaway benchmark server
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        "UPLOAD_MAX_CELLS": str(20_000_000),
    }
)

from bench.common import BENCH_REDIS_URL, PROJECT, purge_queue  # noqa: E402

# isort: split
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from dashboard import access  # noqa: E402
from placements.models import LocalAuthority, Upload  # noqa: E402

LA_CODE = "989"
USERNAME = "bench-data-staff"
UPLOAD_BYTES = 50 * 1000 * 1000
BUDGET_MB = 300
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
CHUNK = 1024 * 1024


def write_extract(folder: Path) -> list[Path]:
    """header.csv and episodes.csv, together UPLOAD_BYTES long, with varied rows (so that
    they compress as a real extract does, not as repeated text)."""
    header, episodes = folder / "header.csv", folder / "episodes.csv"
    with header.open("w", newline="") as out:
        out.write(HEADER + "\r\n")
        for number in range(60_000):
            out.write(f"C{number:07d},{1 + number % 2},01/0{1 + number % 9}/2010,WBRI,,,\r\n")
    left = UPLOAD_BYTES - header.stat().st_size
    with episodes.open("w", newline="") as out:
        written = out.write(EPISODES + "\r\n")
        number = 0
        while written < left:
            child = number // 8
            line = (
                f"C{child:07d},{1 + number % 28:02d}/{1 + number % 12:02d}/{2012 + number % 14},"
                f"{'SPLTU'[number % 5]},C2,N{1 + number % 9},U{1 + number % 6},PR{number % 5},"
                f"{1 + (number * 7) % 28:02d}/{1 + number % 12:02d}/{2013 + number % 13},E{11 + number % 8},"
                f"CHI,B{number % 90} {number % 9}AA,M{number % 60} {number % 7}BB,SC{number % 999983:06d}\r\n"
            )
            written += out.write(line[: left - written] if written + len(line) > left else line)
            number += 1
    return [header, episodes]


def prepare() -> str:
    """The authority and a data officer signed in: the session cookie."""
    la, _ = LocalAuthority.objects.update_or_create(
        code=LA_CODE, defaults={"name": "Benchmark Uploads", "districts": ["E08000025"]}
    )
    Upload.objects.filter(la=la).delete()
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.groups.set([Group.objects.get(name=access.DATA_STAFF)])
    la.users.add(user)
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def collect_static() -> None:
    """The collected files and their manifest, collected again only when a source is newer."""
    manifest = _STATIC_ROOT / "staticfiles.json"
    sources = [p for p in (PROJECT / "static").rglob("*") if p.is_file()]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn() -> Iterator[tuple[int, int]]:
    """One sync worker on a free loopback port: the port and the worker's pid."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": BENCH_REDIS_URL}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
        f"127.0.0.1:{port}", "--workers", "1", "--timeout", "300", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=PROJECT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with {server.returncode}")
            try:
                if get(port, "/accounts/login/") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not answer within a minute")
            time.sleep(0.2)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        if len(children) != 1:
            sys.exit(f"expected one gunicorn worker, found {len(children)}")
        yield port, int(children[0])
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def post_upload(port: int, cookie: str, paths: list[Path]) -> tuple[int, str]:
    """The upload form posted as a browser would, its files streamed from disk."""
    boundary = secrets.token_hex(16)
    token = secrets.token_hex(16)  # an unmasked CSRF secret: 32 characters, cookie and field
    fields = {"csrfmiddlewaretoken": token, "kind": "ssda903", "as_at": "2026-03-31"}
    fields |= {"window_start": "", "full_history": "on"}
    parts: list[bytes | Path] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    for path in paths:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        )
        parts.append(path)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in parts)

    def body() -> Iterator[bytes]:
        for part in parts:
            if isinstance(part, bytes):
                yield part
                continue
            with part.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    yield chunk

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(
            "POST",
            "/uploads/new/",
            body=body(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
                "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}",
            },
            encode_chunked=False,
        )
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def main() -> None:
    purge_queue()  # the Redis database holds the sessions too: empty it before signing in
    cookie = prepare()
    collect_static()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_extract(Path(folder))
        total = sum(p.stat().st_size for p in paths)
        print(f"upload_mb: {total / 1e6:.1f}")
        with gunicorn() as (port, worker):
            get(port, "/accounts/login/")
            print(f"upload_baseline_rss_mb: {peak_rss_mb(worker):.0f}")
            started = time.perf_counter()
            status, location = post_upload(port, cookie, paths)
            seconds = time.perf_counter() - started
            peak = peak_rss_mb(worker)
    kept = Upload.objects.filter(la__code=LA_CODE).first()
    if status != 302 or "/uploads/" not in location or kept is None:
        sys.exit(f"the upload was not kept: answered {status} {location}")
    print(f"upload_post_seconds: {seconds:.2f}")
    print(f"upload_peak_rss_mb: {peak:.0f}")
    if peak > BUDGET_MB:
        print(f"over the {BUDGET_MB} MB budget for the web worker's peak")


if __name__ == "__main__":
    try:
        main()
    finally:
        purge_queue()
