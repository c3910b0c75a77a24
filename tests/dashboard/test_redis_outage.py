"""Redis stopped costs speed, not the service: signing in, the signed-in pages and an upload all
work while it is down, and an upload posted then is kept, "waiting to start", and sent to the
workers by the sweeper once Redis is back. A Redis server of the test's own, on its own port."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from placements.models import LocalAuthority, Upload
from sufficiency.recovery import sweep
from tests.extracts import two_children_files
from tests.helpers import page_words
from tests.workers import tasks_sent_to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
PASSWORD = "correct horse battery staple"


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis(settings) -> Iterator[OwnRedis]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = OwnRedis(port)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        yield server
    finally:
        server.stop()


def sign_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, page_words(response)
    assert response["Location"] != reverse("login")


def test_signing_in_and_the_signed_in_pages_work_with_redis_stopped(own_redis, make_user, la):
    user = make_user("officers", la)
    client = Client()
    sign_in(client, user.username)
    assert client.get(reverse("dashboard-index")).status_code == 200

    own_redis.stop()
    for name in ("dashboard-index", "dashboard-uploads"):
        assert client.get(reverse(name)).status_code == 200, name
    client.post(reverse("logout"))
    again = Client()
    sign_in(again, user.username)
    assert again.get(reverse("dashboard-index")).status_code == 200


def test_an_upload_posted_while_redis_is_down_waits_and_is_sent_once_it_is_back(
    own_redis, make_user, settings
):
    la = LocalAuthority.objects.create(code="994", name="Outageham", districts=["E09000028"])
    client = Client()
    sign_in(client, make_user("data_staff", la).username)
    files = [SimpleUploadedFile(name, content) for name, content in two_children_files()]
    with tasks_sent_to(own_redis.url):
        own_redis.stop()
        response = client.post(
            reverse("dashboard-upload-new"),
            {"as_at": "2024-06-30", "window_start": "", "files": files},
            follow=True,
        )
        assert response.status_code == 200
        upload = Upload.objects.get(la=la)
        assert (upload.status, upload.sent_at, upload.files.count()) == ("queued", None, 2)
        assert "Waiting to start" in page_words(response)

        own_redis.start()
        settings.SWEEP_AFTER_SECONDS = 60
        Upload.objects.filter(pk=upload.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=2)
        )
        assert sweep().uploads.sent_again == 1
    upload.refresh_from_db()
    assert upload.sent_at is not None
    # The message is on the queue for a worker to take.
    assert redis.Redis.from_url(own_redis.url).llen("celery") == 1
