"""``sitegen daemon``: a warm build process that ``sitegen build`` hands its builds to.

A new ``sitegen build`` process after one edit of a 1,000-article site took
6.7 s, though ``sitegen serve`` rebuilds the same site after the same edit in
0.6 s: most of a new process's time goes to starting afresh — importing
spaCy and loading its pipeline (1.05 s, measured), unpickling 1,000 cached
analyses (1 s), assembling the corpus and keying 6,600 pages with no memo
of the last build.  A process that stays up keeps all of that between
builds.  This is the design of mypy's daemon (``dmypy``), the Gradle daemon
and Bazel's server, for the same reason.

* ``sitegen daemon start`` starts a background process for the project (its
  config file).  It listens on 127.0.0.1 at a free port, behind a random key,
  and writes where and how to reach it in ``daemon.json`` in the cache
  folder, readable by the user only.  It then builds the site once into a folder of its own,
  so that the first build handed to it finds everything in memory.
* ``sitegen build`` (unless ``--no-daemon`` or ``--scheduler``) reads that
  file; if a daemon of the same sitegen (the same code files, version and
  Python) answers, the build is made there, with :class:`sitegen.server.
  ProjectBuilder`'s memory (the path ``sitegen serve`` takes, whose sites are
  byte for byte a fresh build's), and the client prints what it sends back:
  the same messages, exit code and output folder as a build in its own
  process.  Otherwise the build runs in the command's own process, as always.
* The daemon exits after ``--idle`` minutes without a build (default 60),
  on ``sitegen daemon stop``, and when sitegen's code on disk is not the code
  it runs (an upgrade): it says so to the client, which builds by itself.

The protocol: JSON lines over a TCP socket on 127.0.0.1 (JSON, not pickle:
nothing a connecting program sends is run).  The first line is the request,
``{"key": …, "op": "build"|"status"|"stop", …}``, refused unless the key is
the one in ``daemon.json`` (compared in constant time); a build is answered
with ``["out"|"err", text]`` lines, then ``["exit", code]`` or ``["stale",
why]``.  Written here because no library runs a build server for a site
generator.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from . import __version__

log = logging.getLogger(__name__)

STATE = "daemon.json"
LOG = "daemon.log"
IDLE_MINUTES = 60.0
PACKAGE = Path(__file__).resolve().parent


class DaemonError(Exception):
    """The daemon could not be started or reached."""


def project_id(config: Any) -> str:
    """The project a daemon serves: its config file (which need not exist), absolute."""
    return str((config.path or config.root / "sitegen.yaml").resolve())


def state_path(config: Any) -> Path:
    return config.folder("build.cache_dir") / STATE


def code_signature() -> str:
    """sitegen's version, the Python running it and every file of the package (path, size, mtime).

    A daemon answers only clients with its own signature: after an upgrade
    (or an edit of sitegen's code) its modules in memory are not the ones on
    disk, and a new process must build.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{Path(sys.executable).resolve()}\0{sys.version}\0".encode())
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            h.update(f"{os.path.relpath(os.path.join(dirpath, name), PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def read_state(config: Any) -> dict[str, Any] | None:
    """The running daemon's ``daemon.json`` for this project, or None."""
    try:
        state = json.loads(state_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("project") != project_id(config):
        return None
    return state


class _Channel:
    """One connection: JSON values, one per line, both ways."""

    def __init__(self, sock: Any):
        self.sock = sock
        self.file = sock.makefile("rwb")

    def send(self, value: Any) -> None:
        self.file.write(json.dumps(value, ensure_ascii=False).encode() + b"\n")
        self.file.flush()

    def recv(self) -> Any:
        line = self.file.readline(1 << 20)
        if not line:
            raise EOFError("connection closed")
        return json.loads(line)

    def close(self) -> None:
        for closing in (self.file.close, self.sock.close):
            try:
                closing()
            except OSError:
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(state: dict[str, Any], request: dict[str, Any], timeout: float = 2.0) -> _Channel:
    """Send ``request`` to the daemon ``state`` names; raise OSError (ValueError, KeyError) if none answers."""
    import socket

    sock = socket.create_connection(("127.0.0.1", int(state["port"])), timeout=timeout)
    channel = _Channel(sock)
    try:
        channel.send({"key": state["key"], **request})
    except BaseException:
        channel.close()
        raise
    return channel


def _request(state: dict[str, Any], request: dict[str, Any]) -> Any:
    try:
        with _connect(state, request) as channel:
            return channel.recv()
    except (OSError, EOFError, KeyError, ValueError):
        return None


# -- the client: sitegen build ---------------------------------------------------

def hand_over(config: Any, options: dict[str, Any], echo: Callable[..., None]) -> int | None:
    """Have this project's daemon make the build; its exit code, or None if no daemon took it.

    ``echo(text, err=...)`` prints what the daemon says.  None (build here)
    when no daemon runs, it does not answer, or it runs other code.
    """
    state = read_state(config)
    if state is None:
        return None
    try:
        conn = _connect(state, {"op": "build", "signature": code_signature(), "options": options})
        conn.sock.settimeout(None)  # a build takes what it takes
    except (OSError, KeyError, ValueError) as exc:
        log.info("no daemon answers at port %s (%s): building here", state.get("port"), exc)
        return None
    with conn:
        try:
            while True:
                kind, value = conn.recv()
                if kind == "out":
                    echo(value)
                elif kind == "err":
                    echo(value, err=True)
                elif kind == "exit":
                    return int(value)
                elif kind == "stale":
                    echo(f"note: the sitegen daemon (pid {state.get('pid')}) stopped: {value}; building here "
                         "('sitegen daemon start' starts a new one)", err=True)
                    return None
        except KeyboardInterrupt:
            echo("interrupted; the daemon finishes this build by itself ('sitegen daemon stop' stops it)", err=True)
            return 130
        except (EOFError, OSError, ValueError) as exc:
            # It died (killed?) before answering: its build was not swapped in; build here.
            echo(f"note: the sitegen daemon (pid {state.get('pid')}) went away ({exc or 'connection closed'}); "
                 "building here", err=True)
            return None


# -- the commands: sitegen daemon start|stop|status --------------------------------

def status(config: Any) -> dict[str, Any] | None:
    """What the running daemon says of itself (pid, builds, idle time…), or None."""
    state = read_state(config)
    if state is None:
        return None
    reply = _request(state, {"op": "status"})
    return reply if isinstance(reply, dict) else None


def stop(config: Any, timeout: float = 60.0) -> int | None:
    """Ask the daemon to stop (after its current build); its pid, or None if none ran."""
    state = read_state(config)
    if state is None:
        return None
    reply = _request(state, {"op": "stop"})
    if reply is None:
        return None
    deadline = time.monotonic() + timeout
    while state_path(config).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return int(state["pid"])


def start(config: Any, idle_minutes: float = IDLE_MINUTES, timeout: float = 120.0) -> tuple[int, bool]:
    """Start a daemon for the project in the background: (pid, False), or (pid, True) if one runs already.

    Waits until it answers; raise DaemonError (with its log's tail) if it does not.
    """
    running = status(config)
    if running is not None:
        return int(running["pid"]), True
    cache = config.folder("build.cache_dir")
    cache.mkdir(parents=True, exist_ok=True)
    log_path = cache / LOG
    cmd = [sys.executable, "-m", "sitegen.daemon", project_id(config), "--idle", str(idle_minutes)]
    with open(log_path, "ab") as out:
        kwargs: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {
            "creationflags": getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=str(config.root),
                                **kwargs)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DaemonError(f"the daemon exited at once (code {proc.returncode}); {_log_tail(log_path)}")
        state = read_state(config)
        if state is not None and state.get("pid") == proc.pid and status(config) is not None:
            return proc.pid, False
        time.sleep(0.05)
    proc.terminate()
    raise DaemonError(f"the daemon did not answer within {timeout:.0f} s; {_log_tail(log_path)}")


def _log_tail(path: Path, lines: int = 8) -> str:
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "no log"
    return f"its log ({path}) ends:\n" + "\n".join(tail)


# -- the daemon ---------------------------------------------------------------------

class Daemon:
    """Builds one project on request, keeping what ``sitegen serve`` keeps between builds."""

    def __init__(self, project: str, *, idle_minutes: float = IDLE_MINUTES, warm_up: bool = True):
        from .config import load_config
        from .server import ProjectBuilder

        self.project = project
        path = Path(project)
        self.config_file = str(path) if path.is_file() else None
        self.root = path.parent
        config = load_config(self.config_file, root=self.root)
        self.state_file = state_path(config)
        self.builder = ProjectBuilder(self.config_file, root=self.root)
        self.idle = idle_minutes * 60
        self.signature = code_signature()
        self.key = secrets.token_hex(32)
        self.started = time.time()
        self.last_request = time.monotonic()
        self.builds = 0
        self.busy = 0  # requests being answered
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.warm_up = warm_up
        self.warmed = threading.Event()  # its first build (the warm-up) is done
        self.folder = config.folder("build.cache_dir") / "daemon"  # its own site, built at start
        self.listener: Any = None  # its listening socket
        self.port = 0

    # -- running

    def serve(self, ready: Callable[[], None] | None = None) -> None:
        """Listen until stopped or idle; then clean up (state file, memory written out, own folders)."""
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.5)  # look at `stopping` twice a second
        self.port = self.listener.getsockname()[1]
        try:
            self._write_state()
            log.warning("sitegen daemon %d serving %s on port %d", os.getpid(), self.project, self.port)
            threading.Thread(target=self._idle_watch, name="sitegen-daemon-idle", daemon=True).start()
            threading.Thread(target=self._watch, name="sitegen-daemon-watch", daemon=True).start()
            if self.warm_up:
                threading.Thread(target=self._warm_up, name="sitegen-daemon-warm-up", daemon=True).start()
            else:
                self.warmed.set()
            if ready is not None:
                ready()
            while not self.stopping.is_set():
                try:
                    conn, _ = self.listener.accept()
                except (TimeoutError, OSError):
                    continue
                if self.stopping.is_set():
                    conn.close()
                    break
                threading.Thread(target=self._answer, args=(conn,), name="sitegen-daemon-request",
                                 daemon=True).start()
        finally:
            self._close()

    def stop(self) -> None:
        self.stopping.set()

    def _close(self) -> None:
        import shutil

        with self.builder.lock:  # after the build under way, if any
            self.builder.memory.flush()
            self.builder.drop_spare()
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            if state.get("pid") == os.getpid():
                self.state_file.unlink()
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.listener is not None:
            self.listener.close()
        log.warning("sitegen daemon %d stopped", os.getpid())

    def _write_state(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        state = {"pid": os.getpid(), "port": self.port, "key": self.key,
                 "project": self.project, "version": __version__, "started": self.started}
        tmp = self.state_file.with_name(f".{STATE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the key: the user's only
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, self.state_file)

    def _watch(self) -> None:
        """An article saved is analysed, and its search shard indexed, at once
        (:meth:`sitegen.server.ProjectBuilder.prepare`): the build asked for next finds them done.

        File-system events as ``sitegen serve`` gets them (watchdog; where the platform
        has none, no preparing: builds do it all); the content folder quiet for 50 ms
        and no file of it being written first, as serve waits before a build.
        """
        from .config import ConfigError, load_config
        from .server import FileEvents

        woken = threading.Event()
        try:
            events = FileEvents(woken.set)
        except Exception as exc:  # noqa: BLE001 - no watchdog, no events on this platform
            log.info("not watching the content folder: %s", exc)
            return
        try:
            synced = 0.0
            while not self.stopping.is_set():
                if time.monotonic() - synced > 10:  # the content folder as the config names it now
                    synced = time.monotonic()
                    try:
                        config = load_config(self.builder.config_file, root=self.builder.root)
                        events.sync([config.folder("content_dir")])
                    except (ConfigError, OSError):
                        pass
                if not woken.wait(0.5):
                    continue
                synced = 0.0  # a folder created or removed: watched (or not) from the next turn
                while True:
                    woken.clear()
                    if self.stopping.wait(0.05):
                        return
                    if not woken.is_set() and not events.writing():
                        break
                try:
                    self.builder.prepare()
                except Exception as exc:  # noqa: BLE001 - the build does it, and says what is wrong
                    log.info("preparing for the next build failed: %s", exc)
        finally:
            events.stop()

    def _idle_watch(self) -> None:
        while not self.stopping.wait(min(30.0, max(0.05, self.idle / 4))):
            with self.lock:
                idle = self.busy == 0 and time.monotonic() - self.last_request > self.idle
            if idle:
                log.warning("no build for %.0f minutes: stopping", self.idle / 60)
                self.stop()

    def _warm_up(self) -> None:
        """Build the site once into the daemon's own folder: the first build asked for finds it all in memory."""
        import shutil

        started = time.perf_counter()
        try:
            with self.builder.lock:
                shutil.rmtree(self.folder, ignore_errors=True)
                config = self.builder.load()
                # Copies of the last site that a killed daemon left beside the output (only a
                # daemon makes them there; this one has none yet).
                out = config.folder("output_dir")
                for stale in out.parent.glob(f".{out.name}.spare-*"):
                    shutil.rmtree(stale, ignore_errors=True)
                # With its search index: the first build asked for starts from a copy of this
                # site, index included (sitegen.writer.Spare), as every later one does.
                _, after = self.builder.build_with_memory(config, output=self.folder / "site")
            after()
            if self.builder.preloading.is_set():  # spaCy loaded and called once: not by the first edit's build
                self.builder.preloaded.wait(300)
            # Everything made since the build's own collection (spaCy's pipeline, loaded
            # meanwhile; the copy and memos that followed) counted towards Python's next
            # full collection, which then fell in the first edit's preparation: 0.3 s
            # scanning every analysis at 1,000 articles (first edit 1.1-1.4 s, later ~0.75).
            gc.collect()
            log.warning("warmed up in %.1f s", time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - the first real build reports what is wrong
            log.warning("warm-up build failed (the first build will say why): %s", exc)
        finally:
            self.warmed.set()

    # -- requests

    def _answer(self, sock: Any) -> None:
        import hmac

        with self.lock:
            self.busy += 1
        try:
            sock.settimeout(10)  # for the request; a client that says nothing is dropped
            with _Channel(sock) as conn:
                request = conn.recv()
                if not isinstance(request, dict) or not hmac.compare_digest(str(request.get("key", "")), self.key):
                    log.warning("refused a connection without the key")
                    return
                with self.lock:
                    self.last_request = time.monotonic()
                sock.settimeout(None)
                op = request.get("op")
                if op == "status":
                    conn.send(self._status())
                elif op == "stop":
                    conn.send("stopping")
                    self.stop()
                elif op == "build":
                    self._build(conn, str(request.get("signature")), dict(request.get("options") or {}))
        except (EOFError, OSError, ValueError) as exc:
            log.info("a client went away: %s", exc)
        finally:
            with self.lock:
                self.busy -= 1
                self.last_request = time.monotonic()

    def _status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "project": self.project, "port": self.port,
                "version": __version__, "builds": self.builds, "started": self.started,
                "idle_seconds": time.monotonic() - self.last_request, "idle_limit": self.idle,
                "warm": self.warmed.is_set(), "prepared": self.builder.prepared}

    def _build(self, conn: Any, signature: str, options: dict[str, Any]) -> None:
        from .cli import build_and_report

        if signature != self.signature or code_signature() != self.signature:
            conn.send(["stale", "it runs another version of sitegen's code than this command"])
            self.stop()
            return

        gone = []  # the client went away (Ctrl-C): the build goes on, unheard

        def echo(text: str, err: bool = False) -> None:
            if not gone:
                try:
                    conn.send(["err" if err else "out", str(text)])
                except OSError:
                    gone.append(True)

        handler = _Forward(echo, threading.get_ident())
        level = (logging.ERROR if options.get("quiet") else logging.DEBUG if options.get("verbose", 0) > 1
                 else logging.INFO if options.get("verbose") else logging.WARNING)
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root = logging.getLogger()
        after: list[Callable[[], Any]] = []
        records: list[Callable[[], Any]] = []
        with self.builder.lock:
            previous = root.level
            root.addHandler(handler)
            root.setLevel(min(level, logging.WARNING))
            try:
                config = self._config(echo)
                if config is None:
                    code = 2
                else:
                    def run(config: Any, **kwargs: Any) -> Any:
                        result, job = self.builder.build_with_memory(config, **kwargs)
                        after.append(job)
                        if result.record is not None:
                            records.append(result.record)
                        return result

                    code = build_and_report(config, options, echo, run=run, progress=False,
                                            by=f", by sitegen daemon {os.getpid()}")
            except Exception as exc:
                log.exception("build failed")
                echo(f"error: the daemon's build failed: {type(exc).__name__}: {exc}", err=True)
                code = 1
            finally:
                root.removeHandler(handler)
                root.setLevel(previous)
            self.builds += 1
            echo_exit = ["exit", code]
            if not gone:
                try:
                    conn.send(echo_exit)
                except OSError:
                    pass
            # The build's record for the next one's up-to-date check (sitegen.uptodate), once
            # the client has its answer, and before the next build here (this holds the lock).
            for record in records:
                record()
        # Once the client has its answer: what follows a build (a copy of the site for the
        # next one, memos warmed, cache entries written), as sitegen serve does after a reload.
        for job in after:
            job()

    def _config(self, echo: Callable[..., None]) -> Any:
        """The project's config as it is now (the client checked it; it may have changed since)."""
        from .config import ConfigError, load_config

        try:
            return load_config(self.builder.config_file, root=self.builder.root)
        except ConfigError as exc:
            for error in exc.located:
                echo(f"error: {error}", err=True)
            return None


class _Forward(logging.Handler):
    """Sends the log records of one thread (the build's) to the client."""

    def __init__(self, echo: Callable[..., None], thread: int):
        super().__init__()
        self.echo = echo
        self.thread = thread

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        try:
            self.echo(self.format(record), err=True)
        except Exception:  # noqa: BLE001, S110 - a client gone: the build goes on
            pass


def main(argv: list[str] | None = None) -> None:
    """``python -m sitegen.daemon PROJECT [--idle MINUTES]``: what ``sitegen daemon start`` runs."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m sitegen.daemon")
    parser.add_argument("project", help="the project's config file (absolute; it need not exist)")
    parser.add_argument("--idle", type=float, default=IDLE_MINUTES, help="minutes without a build before it stops")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:  # its log file: not what a client's -vv asks for
        handler.setLevel(logging.WARNING)
    daemon = Daemon(args.project, idle_minutes=args.idle)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=daemon.stop, daemon=True).start())
    daemon.serve()


if __name__ == "__main__":
    main()
