"""Property-based tests of ingestion and cleaning (issue 8).

* Ingestion never crashes: any bytes, any front matter, any format give an
  Article or an IngestError, nothing else.
* Cleaning is idempotent: cleaning the cleaned text again (with the title and
  dek found the first time as known facts) changes nothing.
* Cleaning never drops prose: paragraphs of ordinary sentences mixed with
  known noise lines (site chrome, prompts, cross-links, captions, widgets)
  come out with every prose sentence intact.

Example counts are capped so that the file runs in seconds on two cores.
"""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sitegen.clean import Unit, clean_units, units_from_text
from sitegen.ingest import FRONT_MATTER_FIELDS, IngestError, parse_article

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- never crash -------------------------------------------------------------------

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=30), st.dates())
yaml_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(string.ascii_letters, max_size=5), inner, max_size=3),
                           max_leaves=8)
front_matter = st.dictionaries(st.sampled_from(FRONT_MATTER_FIELDS + ("other", "1")), yaml_values, max_size=6)
line = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
bodies = st.lists(line, max_size=12).map("\n".join)


def ingest(data: bytes, suffix: str) -> None:
    try:
        article = parse_article(data, f"content/x{suffix}", suffix=suffix, stem="x")
    except IngestError as exc:
        assert exc.problems and all(p.path == f"content/x{suffix}" for p in exc.problems)
        return
    assert article.slug and "/" not in article.slug and not article.slug.startswith(".")
    assert article.text.strip()
    assert all(article.text[b.start:b.end] == b.text for b in article.blocks)
    assert article.meta.url is None or article.meta.url.startswith(("http://", "https://", "HTTP", "Http"))


@FAST
@given(st.binary(max_size=400), st.sampled_from([".txt", ".md"]))
def test_any_bytes_never_crash(data: bytes, suffix: str) -> None:
    ingest(data, suffix)


@FAST
@given(front_matter, bodies, st.sampled_from([".txt", ".md"]))
@example({"date": "2024-02-30"}, "Text here, said the minister.", ".txt")
def test_any_front_matter_never_crashes(front: dict, body: str, suffix: str) -> None:
    try:
        block = yaml.safe_dump(front, allow_unicode=True) if front else ""
    except yaml.YAMLError:
        assume(False)
    ingest(f"---\n{block}---\n{body}\n".encode("utf-8", "surrogatepass"), suffix)


@settings(max_examples=40, deadline=None)
@given(bodies)
def test_any_html_never_crashes(body: str) -> None:
    ingest(f"<html><body><article><p>{body}</p></article></body></html>".encode(), ".html")


@FAST
@given(st.lists(st.builds(Unit, line, st.integers(1, 500), st.sampled_from([None, "heading", "paragraph"]),
                          st.integers(0, 6)), max_size=15),
       st.one_of(st.none(), line), st.one_of(st.none(), line))
def test_cleaning_any_units_never_crashes(units: list[Unit], title: str | None, dek: str | None) -> None:
    out = clean_units(units, title=title, dek=dek)
    assert all(b.kind in ("heading", "paragraph") for b in out.blocks)
    assert all(out.text[b.start:b.end] == b.text for b in out.blocks)


# ---- idempotent ---------------------------------------------------------------------

WORDS = ("the minister said talks would continue in Cairo on Monday officials from both sides met for three "
         "hours and agreed to meet again share prices home read more photo subscribe today news update "
         "reuters related video listen comment search menu close print email").split()
word = st.sampled_from(WORDS)
# News prose is declarative: a sentence opens with its subject, then any words
# (including the ones noise rules look for: share, read, photo, subscribe …).
SUBJECTS = ("The minister", "Officials", "She", "Reuters", "Share prices", "Home sales", "A photo editor",
            "Readers", "The newsletter's author", "Video footage", "Most", "Related talks", "Click")
sentence = st.builds(lambda subject, ws, end: subject + " " + " ".join(ws) + end, st.sampled_from(SUBJECTS),
                     st.lists(word, min_size=5, max_size=18), st.sampled_from([".", ".", "?", "!", '."']))
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
NOISE = [
    "Advertisement", "Share this article", "Skip to main content", "Sign up for our newsletter today",
    "Subscribe to our free daily newsletter", "Follow us on Twitter", "[Read: The talks that failed]",
    "Related: How the port strike began", "READ MORE: Talks stall again", "HomeNewsWorldMiddle East",
    "Home > News > World", "Protesters gather outside the ministry (Hannah McKay / Reuters)",
    "Photo: Jane Doe for Example News", "A photo of the ministry building at night", "What's your reaction?",
    "Like", "Dislike", "Loading...", "Click here to read the full report",
    "Copyright 2024 Example News. All rights reserved",
]
noise_line = st.sampled_from(NOISE)
heading = st.lists(word, min_size=2, max_size=6).map(lambda ws: " ".join(ws).title())
document = st.lists(st.one_of(paragraph, paragraph, paragraph, noise_line, heading), min_size=1, max_size=12)


def clean_text(text: str, title: str | None = None, dek: str | None = None):
    return clean_units(units_from_text(text), title=title, dek=dek)


@FAST
@given(document)
def test_cleaning_is_idempotent(items: list[str]) -> None:
    first = clean_text("\n".join(items))
    again = clean_text(first.text, first.title, first.dek)
    assert [(b.kind, b.text) for b in again.blocks] == [(b.kind, b.text) for b in first.blocks]
    assert again.removed == [] or all("empty section heading" not in r for r in again.removed)


@FAST
@given(st.lists(st.one_of(line, noise_line, paragraph), max_size=10))
def test_cleaning_arbitrary_lines_is_idempotent(items: list[str]) -> None:
    first = clean_text("\n".join(items))
    again = clean_text(first.text, first.title, first.dek)
    assert [b.text for b in again.blocks] == [b.text for b in first.blocks]


# ---- prose survives -------------------------------------------------------------------

@FAST
@given(st.lists(st.one_of(st.tuples(st.just("prose"), paragraph), st.tuples(st.just("noise"), noise_line)),
                min_size=1, max_size=14).filter(lambda xs: any(k == "prose" for k, _ in xs)),
       st.booleans())
def test_no_prose_sentence_is_dropped(items: list[tuple[str, str]], blank_lines: bool) -> None:
    text = ("\n\n" if blank_lines else "\n").join(t for _, t in items)
    out = clean_text(text)
    kept = out.text
    for kind, t in items:
        if kind == "prose":
            assert t in kept, (t, out.removed)
    for kind, t in items:
        if kind == "noise" and t not in {p for k, p in items if k == "prose"}:
            assert t not in kept.split("\n\n"), t  # and the noise went
