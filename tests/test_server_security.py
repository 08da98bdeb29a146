"""The preview server under attack and under load (issue 8).

Beyond tests/test_serve.py (which covers the basic ``..`` forms): encoded,
double-encoded, overlong and backslash traversal over a raw socket, absolute
and scheme-relative request targets, symlink loops and over-long names (never
a crash), no folder listings, no open redirect, loopback by default, and a
bounded burst of requests from several threads while rebuilds run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from sitegen.server import LiveServer, respond

from .test_serve import FakeProject, get, project, server  # noqa: F401 - fixtures

SECRET = "top-secret-marker"


def raw_get(server: LiveServer, target: str) -> tuple[int, str]:
    """Send ``GET target`` byte for byte (no client-side normalisation); (status, body)."""
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body.decode("utf-8", "replace")


TRAVERSALS = [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2e./secret.txt",
    "/.%2e/secret.txt", "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt", "/..%2fsecret.txt",
    "/..%252fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/articles/..\\..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt", "/%e0%80%ae%e0%80%ae/secret.txt", "/./../secret.txt", "/articles/./../../secret.txt",
    "/static.css/../../secret.txt", "//../secret.txt", "/%2f..%2fsecret.txt", "/..;/secret.txt",
    "/%00../secret.txt", "/index.html%00.txt", "..%2fsecret.txt", "../secret.txt",
    "/" + "%2e%2e/" * 20 + "etc/passwd", "/....//secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_reaches_outside_files(server: LiveServer, project: FakeProject, target: str) -> None:
    for folder in (server.workdir, project.root, server.workdir.parent):
        (folder / "secret.txt").write_text(SECRET)
    status, body = raw_get(server, target)
    assert status in (400, 403, 404), (target, status)
    assert SECRET not in body and "root:" not in body


@pytest.mark.parametrize("target", ["http://127.0.0.1/../secret.txt", "http://evil.example/../../secret.txt"])
def test_absolute_form_targets(server: LiveServer, project: FakeProject, target: str) -> None:
    (server.workdir / "secret.txt").write_text(SECRET)
    status, body = raw_get(server, target)
    assert status in (400, 403, 404) and SECRET not in body


def test_odd_paths_are_answered_not_crashed(server: LiveServer, tmp_path: Path) -> None:
    assert server.site is not None
    (server.site / "loop").symlink_to(server.site / "loop")  # a symlink loop
    for target in ("/" + "a" * 5000, "/" + "a/" * 3000, "/loop", "/loop/x", "/%ff%fe", "/\u00e9".encode().decode("latin-1"),
                   "/index.html?x=" + "y" * 4000, "/%"):
        status, _ = raw_get(server, target)
        assert status in (200, 301, 400, 403, 404, 414), (target[:40], status)


def test_no_folder_listings(server: LiveServer) -> None:
    assert server.site is not None
    (server.site / "empty-folder").mkdir()
    (server.site / "files-only").mkdir()
    (server.site / "files-only" / "a.css").write_text("x")
    for target in ("/empty-folder/", "/files-only/"):
        status, body = raw_get(server, target)
        assert status == 404 and "a.css" not in body


def test_redirect_stays_on_this_server(server: LiveServer) -> None:
    for target in ("//articles", "///articles", "/%2farticles"):
        status, headers, _ = get(server, target)
        if status == 301:
            location = headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location


def test_respond_refuses_before_touching_the_disk(server: LiveServer) -> None:
    for path in ("/..", "/a/../..", "/%2e%2e", "/x\x00y", "relative"):
        status, _, _ = respond(server, path)
        assert status == 400, path


def test_serve_command_defaults_to_loopback() -> None:
    from sitegen.cli import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_burst_of_requests_during_rebuilds(tmp_path: Path) -> None:
    """500 requests from 5 threads while the site is rebuilt over and over: all answered, none 5xx."""

    class SlowProject(FakeProject):
        def build(self, out: Path) -> None:
            time.sleep(0.03)  # a build takes a while: requests arrive meanwhile
            super().build(out)

    proj = SlowProject(tmp_path / "p")
    s = LiveServer(proj.build, proj.watched, "127.0.0.1", 0, poll=0.02, debounce=0.02)
    s.start_background()
    stop = threading.Event()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def rebuild_forever() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            proj.source.write_text(f"version {n}")
            s.rebuild()  # directly too: more rebuilds than the watcher alone would run

    paths = ["/", "/index.html", "/articles/", "/static.css", "/missing.html", "/articles"]

    def client(k: int) -> None:
        for i in range(100):
            try:
                status, _, _ = get(s, paths[(i + k) % len(paths)])
            except Exception as exc:  # noqa: BLE001 - a dropped connection is a failure to report
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                statuses[status] += 1

    rebuilder = threading.Thread(target=rebuild_forever)
    clients = [threading.Thread(target=client, args=(k,)) for k in range(5)]
    started = time.monotonic()
    try:
        rebuilder.start()
        for c in clients:
            c.start()
        for c in clients:
            c.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        rebuilder.join(timeout=10)
        s.close()
    assert failures == []
    assert sum(statuses.values()) == 500
    assert set(statuses) <= {200, 301, 304, 404}, statuses
    assert statuses[200] >= 250  # the site was served throughout, not just 404s
    assert s.builds >= 5 and elapsed < 60
