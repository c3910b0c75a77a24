"""Page-speed benchmark. Prints one `name: value` line per figure.

With the large synthetic authority loaded (bench.indicators' large_authority), its indicators
computed, and targets, commentary, published DfE figures and statistical neighbours in place,
the overview and one indicator page are served by gunicorn with DEBUG off (as in production)
on loopback and loaded with wrk. Each page is first checked to answer 200 with its full
content (a redirect to the sign-in or code page would otherwise be timed), warmed up, then measured
twice: with 20 connections each sending its next request as soon as the last is answered
(`<page>_p95_ms`: 20 users who never pause to read, the hardest reading of "20 concurrent
users"), and with each of the 20 pausing PAUSE_MS between pages (`<page>_paced_p95_ms`). Any
non-2xx answer or socket error fails the run. The SQL queries of one request of each page are
counted in this process, with the same settings. MFA_REQUIRED is on, as in production: the
officer signs in past the second factor, giving their app's code on the code page (`signed_in`).

Back to back, the 20 users keep about 20 requests in the machine at all times, so a page's
latency is about 20 divided by the pages served per second: it measures how much work a page
costs the two cores (gunicorn, Postgres and wrk share them) more than how long one takes alone.
Other work on the machine slows every figure, hence `load_average_before`.

Gunicorn runs GUNICORN_ARGS, chosen by measuring on a 2-core machine (`--compare-workers`
measures the candidates again, taking turns). Three sync workers came out best: the pages are
CPU-bound Python with short Postgres queries, so a process per core keeps both cores busy and
a third fills the gaps while one waits on Postgres; a fourth only takes turns on the same cores.
gthread workers did worse at the 95th percentile: threads buy nothing under the GIL, a worker
interleaves its threads' requests so each finishes later, and each kept-alive connection stays
with one worker however busy it is, where sync workers take the next connection when free.

`--profile` shows, in this process, where one request's time goes (SQL by query, each
template, the functions with the most time of their own), for when a page is too slow.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import http.client
import io
import os
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Production settings, for this process as for gunicorn: DEBUG off (compiled templates cached,
# static files from the collected manifest), no HTTPS redirect on loopback. Set before
# bench.common sets Django up, and kept out of the import sorting: what follows needs Django set up.
_STATIC_ROOT = Path(__file__).resolve().parent / "data" / "static"
os.environ.update(
    {
        "DJANGO_DEBUG": "False",
        "SECRET_KEY": "bench-only-not-a-secret",  # noqa: S105 - a throwaway benchmark server
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(_STATIC_ROOT),
        "LOG_LEVEL": "WARNING",
    }
)

from bench.common import BENCH_REDIS_URL, PROJECT, connection, purge_queue  # noqa: E402

# isort: split
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import AbstractBaseUser, Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.template.base import Template as BaseTemplate  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bench.indicators import large_authority  # noqa: E402
from dashboard import access, mfa  # noqa: E402
from placements.models import Episode, ImportLog, LocalAuthority  # noqa: E402
from sufficiency import reports  # noqa: E402
from sufficiency.benchmark_import import import_benchmark_file  # noqa: E402
from sufficiency.models import (  # noqa: E402
    Commentary,
    Computation,
    IndicatorValue,
    PublishedValue,
    StatisticalNeighbour,
    Target,
)
from sufficiency.registry import BY_KEY  # noqa: E402
from sufficiency.services import recompute_indicators  # noqa: E402

USERS = 20  # wrk connections: concurrent users
THREADS = 2  # wrk threads: one per core is plenty for wrk at these rates
WARM_UP = "10s"  # a few hundred requests: every worker's templates compiled, connections open
DURATION = "20s"
COMPARE_WARM_UP = "5s"
COMPARE_DURATION = "10s"
COMPARE_ROUNDS = 3
BUDGET_MS = 150.0
# A second, gentler reading: each user pauses this long after each page before the next.
PAUSE_MS = 1000
GUNICORN_ARGS = ["--worker-class", "sync", "--workers", "3"]
# What --compare-workers tries on a 2-core machine.
CANDIDATES = [
    ["--worker-class", "sync", "--workers", "2"],
    ["--worker-class", "sync", "--workers", "3"],
    ["--worker-class", "sync", "--workers", "4"],
    ["--worker-class", "gthread", "--workers", "2", "--threads", "4"],
    ["--worker-class", "gthread", "--workers", "4", "--threads", "2"],
]

USERNAME = "bench-officer"
DETAIL_INDICATOR = "moves_3plus"
# The DfE's figures for England (real) and ten invented neighbours, as the demo imports them.
DFE_FILES = PROJECT / "fixtures" / "demo" / "dfe"
NEIGHBOURS = {
    StatisticalNeighbour.Model.APRIL_2021: [str(code) for code in range(701, 711)],
    StatisticalNeighbour.Model.MODEL_2025: [*(str(code) for code in range(701, 710)), "711"],
}
COMMENTARY_MONTHS = 12


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    # Text the page shows only when it has done its full work for a signed-in officer: a
    # sign-in page or an authority without data would fail the check instead of being timed.
    expected: tuple[str, ...]


PAGES = (
    Page(
        "overview",
        "/",
        (
            *(f'id="card-{promise.key}"' for promise in reports.PROMISES),
            "Benchmark Metropolitan",
            "Target:",
            "Statistical neighbours, 31 March",
            "Other measures",
        ),
    ),
    Page(
        "detail",
        f"/indicators/{DETAIL_INDICATOR}/",
        (
            f'id="trend-{DETAIL_INDICATOR}"',
            'class="commentary"',
            "Target:",
            "Published figures at 31 March",
        ),
    ),
)

# wrk's own error count only covers statuses of 400 and up, so each thread counts every
# non-2xx response itself; done() adds the threads' counts up and prints one parseable line.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, thread in ipairs(threads) do non2xx = non2xx + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d non2xx=%d socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(95.0),
    latency:percentile(99.0), non2xx, e.connect + e.read + e.write + e.timeout))
end
"""
# For the paced reading: each user's pause between an answer and its next request.
WRK_PAUSE = f"function delay() return {PAUSE_MS} end\n"


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# Setting up the data -------------------------------------------------------------------------


def prepare() -> tuple[LocalAuthority, AbstractBaseUser]:
    """The large authority with everything its pages show, and an officer who sees it."""
    la = large_authority()
    values = IndicatorValue.objects.current().filter(la=la)
    if not values.exists():
        recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)
    latest = values.order_by("-period_end").values_list("period_end", flat=True).first()
    if latest is None:
        sys.exit("the large authority has no indicators after recomputing them")
    officer = officer_of(la)
    published_figures(la, latest)
    targets(la, latest, officer)
    commentary(la, latest, officer)
    check_data(la)
    return la, officer


def officer_of(la: LocalAuthority) -> AbstractBaseUser:
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.groups.set([Group.objects.get(name=access.OFFICERS)])
    la.users.add(user)
    return user


def published_figures(la: LocalAuthority, latest: dt.date) -> None:
    """England's and the neighbours' figures from the demo's DfE files, the large authority's
    place in both neighbour models, and its own published figures (its computed 31 March
    values, as the DfE would publish them from the same history).

    The files end at 31 March 2025; a later 31 March the authority's history reaches gets the
    last year's figures again, so that the overview's month has published figures to show.
    """
    for path in sorted(DFE_FILES.glob("*.csv")):
        content = path.read_bytes()
        last = ImportLog.objects.filter(
            importer=ImportLog.Importer.BENCHMARKS,
            file_name=path.name,
            status=ImportLog.Status.DONE,
        ).first()
        if last is None or last.sha256 != hashlib.sha256(content).hexdigest():
            record = import_benchmark_file(name=path.name, content=content, who="bench")
            if record.status != ImportLog.Status.DONE:
                sys.exit(f"{path.name} was refused: {record.message}")
    # Importing a neighbours file replaces every list of its model, so these go in after.
    for model, codes in NEIGHBOURS.items():
        for rank, code in enumerate(codes, start=1):
            StatisticalNeighbour.objects.update_or_create(
                model=model, la_code=la.code, rank=rank, defaults={"neighbour_code": code}
            )
    now = timezone.now()
    published = PublishedValue.objects.exclude(la_code=la.code)
    last_year = max(published.values_list("year", flat=True))
    rows = [
        PublishedValue(
            indicator=row.indicator,
            level=row.level,
            la_code=row.la_code,
            region=row.region,
            year=year,
            value=row.value,
            marker=row.marker,
            source=row.source,
            imported_at=now,
        )
        for row in published.filter(year=last_year)
        for year in range(last_year + 1, reports.latest_march(latest) + 1)
    ]
    # Its own figures for the years the files cover, as a real authority's would be.
    years = range(min(published.values_list("year", flat=True)), reports.latest_march(latest) + 1)
    PublishedValue.objects.filter(la_code=la.code).exclude(year__in=years).delete()
    sources = dict(published.values_list("indicator", "source").distinct())
    computed = IndicatorValue.objects.current().filter(
        la=la, indicator__in=list(sources), period_end__in=[dt.date(y, 3, 31) for y in years]
    )
    for indicator, day, value in computed.values_list("indicator", "period_end", "value"):
        rows.append(
            PublishedValue(
                indicator=indicator,
                level=PublishedValue.Level.LA,
                la_code=la.code,
                region="",
                year=day.year,
                value=None if value is None else round(value),
                marker="x" if value is None else "",
                source=sources[indicator],
                imported_at=now,
            )
        )
    PublishedValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["indicator", "level", "region", "la_code", "year"],
        update_fields=["value", "marker", "source", "imported_at"],
    )


def targets(la: LocalAuthority, latest: dt.date, officer: AbstractBaseUser) -> None:
    """A target on each promise, on target, close and off target in turn; every other one was
    revised a year in, so the pages pick the one in force."""
    current = dict(
        IndicatorValue.objects.current()
        .filter(la=la, period_end=latest, indicator__in=reports.PROMISE_INDICATORS)
        .values_list("indicator", "value")
    )
    first_start = dt.date(latest.year - 2, 4, 1)
    for number, indicator in enumerate(reports.PROMISE_INDICATORS):
        value = current.get(indicator) or 0.0
        margin = max(1.0, round(abs(value) * 0.05, 1))
        better = -1 if BY_KEY[indicator].polarity == "lower" else 1
        aim = round(value + better * margin * (0, 0.5, 3)[number % 3], 1)
        rows = [(first_start, aim)]
        if number % 2:
            rows = [
                (first_start, round(aim - better * margin, 1)),
                (first_start.replace(year=first_start.year + 1), aim),
            ]
        for start, target in rows:
            Target.objects.update_or_create(
                la=la,
                indicator=indicator,
                start_date=start,
                defaults={
                    "value": target,
                    "amber_margin": margin,
                    "note": "Benchmark target.",
                    "set_by": officer,
                },
            )


def commentary(la: LocalAuthority, latest: dt.date, officer: AbstractBaseUser) -> None:
    """A paragraph on each promise for each of the last twelve months."""
    for months in range(COMMENTARY_MONTHS):
        day = reports.months_before(latest, months)
        for indicator in reports.PROMISE_INDICATORS:
            Commentary.objects.update_or_create(
                la=la,
                indicator=indicator,
                period_end=day,
                defaults={
                    "text": (
                        f"{BY_KEY[indicator].name} at the end of {day:%B %Y}: the weekly "
                        "resource panel reviewed every new request, and step-down plans are "
                        "reviewed monthly.\n\nThe recruitment campaign relaunches in January."
                    ),
                    "author": officer,
                },
            )


def check_data(la: LocalAuthority) -> None:
    """Fail unless each promise has a value, a target, commentary and published figures."""
    data = reports.overview(la=la)
    problems = []
    for promise, summary in data.promises:
        if summary.current is None or summary.target is None or summary.commentary is None:
            problems.append(f"{promise.indicator}: a value, target or commentary is missing")
    published = [s.published for _, s in data.promises if s.published is not None]
    if not any(p.england is not None and p.neighbours_counted for p in published):
        problems.append("no promise has England's figure and a neighbours' mean")
    if len(data.promises) != len(reports.PROMISES) or problems:
        sys.exit("the benchmark data is incomplete: " + "; ".join(problems))


def collect_static() -> None:
    """The collected files and their manifest, which DEBUG-off pages need to name static files.
    Collected again only when a source file is newer than the manifest (it takes a minute)."""
    manifest = _STATIC_ROOT / "staticfiles.json"
    sources = [p for p in (PROJECT / "static").rglob("*") if p.is_file()]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    call_command("collectstatic", interactive=False, verbosity=0)


def signed_in(user: AbstractBaseUser) -> Client:
    """A client signed in as `user`, past the second factor when MFA_REQUIRED is on (as it is
    in production, and so here): the officer's app is set up once, and its current code given
    on the real code page, so the pages are timed with the middleware's device read."""
    client = Client()
    client.force_login(user)
    if settings.MFA_REQUIRED:
        device = mfa.app_device(user)
        if device is None:
            device = mfa.pending_app_device(user)
            mfa.confirm_app_device(device=device)
        # A code is accepted once per device and 30 seconds; each client here signs in anew.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        response = client.post(reverse("mfa-verify"), {"code": code, "next": "/"})
        if response.status_code != 302 or response["Location"] != "/":
            sys.exit(f"the bench officer's second factor was refused ({response.status_code})")
    return client


def session_cookie(user: AbstractBaseUser) -> str:
    """A signed-in session for `user`, stored where every gunicorn worker reads it."""
    client = signed_in(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# Counting queries and profiling in this process -----------------------------------------------


def count_queries(user: AbstractBaseUser, page: Page) -> int:
    client = signed_in(user)
    client.get(page.path)  # the first request of a session also stamps it (one write)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    if response.status_code != 200:
        sys.exit(f"{page.name} answered {response.status_code} in process")
    return len(queries)


def profile(user: AbstractBaseUser, page: Page, requests: int = 100) -> None:
    """Where one request's time goes: SQL (by query), each template (its includes within it),
    and the functions with the most time of their own, all per request."""
    client = signed_in(user)
    for _ in range(10):
        client.get(page.path)
    sql: dict[str, float] = defaultdict(float)
    templates: dict[str, float] = defaultdict(float)

    def timed_sql(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql[" ".join(statement.split()[:8])] += time.perf_counter() - started

    original_render = BaseTemplate.render

    def timed_render(self, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return original_render(self, context)
        finally:
            templates[self.origin.template_name] += time.perf_counter() - started

    BaseTemplate.render = timed_render  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(timed_sql):
            started = time.perf_counter()
            for _ in range(requests):
                client.get(page.path)
            total = time.perf_counter() - started
    finally:
        BaseTemplate.render = original_render  # type: ignore[method-assign]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(page.path)
    profiler.disable()

    per = 1000 / requests
    print(f"{page.name}_request_ms: {total * per:.1f}")
    print(f"{page.name}_sql_ms: {sum(sql.values()) * per:.1f}")
    for name, seconds in sorted(templates.items(), key=lambda item: -item[1]):
        print(f"  template {name}: {seconds * per:.1f} ms")
    for statement, seconds in sorted(sql.items(), key=lambda item: -item[1]):
        print(f"  sql {seconds * per:.2f} ms: {statement} ...")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(20)
    print(out.getvalue())


# Serving and measuring ------------------------------------------------------------------------


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: trying apt-get install -y wrk", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("this benchmark needs wrk (https://github.com/wg/wrk): apt-get install wrk")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(args: list[str]) -> Iterator[int]:
    """A gunicorn serving the project on a free loopback port, stopped on the way out."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": BENCH_REDIS_URL}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *args,
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=PROJECT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with {server.returncode}")
            try:
                if fetch(port, "/accounts/login/", "")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not answer within a minute")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(port: int, path: str, cookie: str) -> tuple[int, str]:
    """One GET, redirects not followed: a redirect to the sign-in page must show as one."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def check_page(port: int, page: Page, cookie: str) -> None:
    status, body = fetch(port, page.path, cookie)
    if status != 200:
        sys.exit(f"{page.name} ({page.path}) answered {status}, not 200: nothing to measure")
    missing = [text for text in page.expected if text not in body]
    if missing:
        sys.exit(f"{page.name} ({page.path}) lacks {missing}: not the page to measure")


def run_wrk(wrk: str, script: str, url: str, cookie: str, duration: str) -> Result:
    command = [
        wrk, f"-t{THREADS}", f"-c{USERS}", f"-d{duration}", "--timeout", "10s",
        "-H", f"Cookie: {cookie}", "-s", script, url,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(r"^RESULT (.*)$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        sys.exit(f"wrk failed ({completed.returncode}): {completed.stdout}{completed.stderr}")
    fields = {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())}
    if fields["non2xx"] or fields["socket_errors"]:
        sys.exit(
            f"{url}: {fields['non2xx']} non-2xx responses and {fields['socket_errors']} socket "
            f"errors in {fields['requests']} requests:\n{completed.stdout}"
        )
    return Result(
        requests=fields["requests"],
        seconds=fields["duration_us"] / 1e6,
        p50_ms=fields["p50_us"] / 1000,
        p95_ms=fields["p95_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
    )


def measure(
    args: list[str], cookie: str, duration: str, *, warm_up: str = WARM_UP, paced: bool
) -> dict[str, Result]:
    """Each page's results under gunicorn `args`: back to back ("<page>"), and, if `paced`,
    with each user pausing PAUSE_MS between pages ("<page>_paced")."""
    wrk = wrk_binary()
    results = {}
    with tempfile.TemporaryDirectory() as folder, gunicorn(args) as port:
        script, paced_script = Path(folder, "back-to-back.lua"), Path(folder, "paced.lua")
        script.write_text(WRK_SCRIPT)
        paced_script.write_text(WRK_SCRIPT + WRK_PAUSE)
        for page in PAGES:
            check_page(port, page, cookie)
            url = f"http://127.0.0.1:{port}{page.path}"
            run_wrk(wrk, str(script), url, cookie, warm_up)
            results[page.name] = run_wrk(wrk, str(script), url, cookie, duration)
            if paced:
                results[f"{page.name}_paced"] = run_wrk(
                    wrk, str(paced_script), url, cookie, duration
                )
    return results


def compare_workers(cookie: str) -> None:
    """Each candidate's median over COMPARE_ROUNDS rounds, the candidates taking turns, so
    that other work on the machine weighs on all of them alike."""
    runs: dict[str, list[dict[str, Result]]] = defaultdict(list)
    for _ in range(COMPARE_ROUNDS):
        for args in CANDIDATES:
            runs[" ".join(args)].append(
                measure(args, cookie, COMPARE_DURATION, warm_up=COMPARE_WARM_UP, paced=False)
            )
    for name, results in runs.items():
        line = ", ".join(
            f"{page.name} p95 {statistics.median(r[page.name].p95_ms for r in results):.1f} ms "
            f"{statistics.median(r[page.name].rps for r in results):.0f} req/s"
            for page in PAGES
        )
        print(f"{name}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument(
        "--compare-workers", action="store_true", help="measure each candidate gunicorn setup"
    )
    parser.add_argument("--profile", action="store_true", help="profile each page in process")
    options = parser.parse_args()

    la, officer = prepare()
    purge_queue()  # the same Redis database holds the sessions: empty it before signing in
    collect_static()
    print(f"episodes: {Episode.objects.filter(la=la).count()}")
    if options.profile:
        for page in PAGES:
            profile(officer, page)
        return
    cookie = session_cookie(officer)
    load = os.getloadavg()[0]
    print(f"load_average_before: {load:.2f}")
    if load > 1:
        print("the machine is busy with other work: expect slower figures", file=sys.stderr)
    if options.compare_workers:
        compare_workers(cookie)
        return
    for page in PAGES:
        print(f"{page.name}_queries: {count_queries(officer, page)}")
    results = measure(GUNICORN_ARGS, cookie, DURATION, paced=True)
    print(f"gunicorn: {' '.join(GUNICORN_ARGS)}")
    for name, result in results.items():
        print(f"{name}_p95_ms: {result.p95_ms:.1f}")
        print(f"{name}_p50_ms: {result.p50_ms:.1f}")
        print(f"{name}_p99_ms: {result.p99_ms:.1f}")
        print(f"{name}_rps: {result.rps:.1f}")
    over = [name for name in ("overview", "detail") if results[name].p95_ms > BUDGET_MS]
    if over:
        print(f"over the {BUDGET_MS:.0f} ms budget at the 95th percentile: {', '.join(over)}")


if __name__ == "__main__":
    try:
        main()
    finally:
        purge_queue()
