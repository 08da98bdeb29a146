"""Reading articles: formats, front matter, metadata inference and errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.ingest import IngestError, find_articles, parse_article, read_article, slugify

BODY = ("The minister said on Monday that the talks would continue next week in Cairo.\n\n"
        "Officials from both sides met for three hours and agreed to meet again soon.\n")


def parse(text: str, suffix: str = ".txt"):
    return parse_article(text.encode("utf-8"), f"content/a{suffix}", suffix=suffix, stem="a")


def errors_of(text: str | bytes, suffix: str = ".txt"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(IngestError) as info:
        parse_article(data, f"content/a{suffix}", suffix=suffix, stem="a")
    return info.value.problems


def test_front_matter_fields() -> None:
    a = parse("---\ntitle: Talks resume\ndek: Progress\ndate: 2024-03-26\nsource: Example\n"
              "url: https://example.org/x\nauthor: A. B.\ntags: [x, y]\nslug: talks\n---\n" + BODY)
    m = a.meta
    assert (m.title, m.dek, m.date, m.source, m.url, m.author, m.tags) == (
        "Talks resume", "Progress", dt.date(2024, 3, 26), "Example", "https://example.org/x", "A. B.", ("x", "y"))
    assert a.slug == "talks"
    assert a.warnings == ()


def test_missing_fields_warn_once_each() -> None:
    a = parse(BODY)
    fields = [w.field for w in a.warnings]
    assert sorted(fields) == ["date", "source", "title"]
    assert a.meta.date is None
    assert "undated" in next(str(w) for w in a.warnings if w.field == "date")


def test_invalid_yaml_names_file_and_line() -> None:
    problems = errors_of("---\ntitle: ok\ndate: [unclosed\n---\n" + BODY)
    assert problems[0].path == "content/a.txt"
    assert problems[0].line in (3, 4, 5)
    assert "invalid YAML" in problems[0].message


def test_wrong_types_are_all_reported_with_lines() -> None:
    problems = errors_of("---\ntitle: [a, b]\ndate: next Tuesday\ndraft: maybe\nslug: ../../x\n---\n" + BODY)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"title", "date", "draft", "slug"}
    assert by_field["date"].line == 3
    assert "next Tuesday" in by_field["date"].message
    assert by_field["slug"].line == 5


def test_reserved_slug_is_rejected() -> None:
    assert errors_of("---\nslug: index\n---\n" + BODY)[0].field == "slug"


def test_empty_and_whitespace_and_binary_files() -> None:
    assert "empty" in errors_of("")[0].message
    assert "empty" in errors_of("  \n\n ")[0].message
    assert "binary" in errors_of(b"\x89PNG\x00\x00\x01")[0].message


def test_front_matter_only_is_an_error() -> None:
    assert "no article text" in errors_of("---\ntitle: x\n---\n\n")[0].message


def test_latin1_text_is_decoded() -> None:
    text = "Caf\xe9 owners in Montr\xe9al said on Monday that prices would rise again next year, and many agreed."
    a = parse_article(text.encode("latin-1"), "content/a.txt", suffix=".txt", stem="a")
    assert "Café" in a.text


def test_markdown_headings_and_inline_markup() -> None:
    a = parse("---\ntitle: T\n---\n# T\n\nThe **minister** said [on Monday](https://x.org) that talks go on.\n\n"
              "## What next\n\n- Officials will meet again in Cairo next week, both sides said.\n", ".md")
    kinds = [(b.kind, b.text) for b in a.blocks]
    assert kinds == [("paragraph", "The minister said on Monday that talks go on."),
                     ("heading", "What next"),
                     ("paragraph", "Officials will meet again in Cairo next week, both sides said.")]


def test_markdown_raw_html_never_reaches_text_as_markup() -> None:
    a = parse("Talks go on, the minister said on Monday. <script>alert(1)</script> Officials agreed.\n", ".md")
    assert "<script>" not in a.text


def test_html_page_with_trafilatura() -> None:
    page = """<html><head><title>Talks resume in Cairo - Example News</title>
<meta property="og:site_name" content="Example News"><meta name="date" content="2024-03-01">
</head><body><nav><a href="/">Home</a></nav><article><h1>Talks resume in Cairo</h1>
<p>The minister said on Monday that the talks would continue next week in Cairo, officials confirmed.</p>
<h2>Next steps</h2>
<p>Officials from both sides met for three hours and agreed to meet again soon, the ministry said.</p>
<p>Delegations will return after the holiday, according to a statement issued late on Monday.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""
    a = parse(page, ".html")
    assert a.meta.title == "Talks resume in Cairo"
    assert a.meta.source == "Example News"
    assert a.meta.date == dt.date(2024, 3, 1)
    assert [b.kind for b in a.blocks] == ["paragraph", "heading", "paragraph", "paragraph"]
    assert "Subscribe" not in a.text and "Home" not in a.text


def test_slugify() -> None:
    assert slugify("Biden’s Balancing Act: Support for Israel") == "bidens-balancing-act-support-for-israel"
    assert slugify("Café — Montréal") == "cafe-montreal"


def test_find_articles_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.html", ".hidden.txt", "_draft/x.txt", "notes.docx"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(BODY)
    assert [p.name for p in find_articles(tmp_path)] == ["a.txt", "b.md", "c.html"]


def test_raw_seeds_without_front_matter(seeds_dir: Path) -> None:
    arts = {p.name[:3]: read_article(p) for p in sorted(seeds_dir.glob("*.txt"))}
    assert arts["000"].meta.date == dt.date(2024, 3, 26)
    assert arts["001"].meta.source == "cgtn.com"
    assert arts["002"].meta.dek.startswith("The disagreements")
    # what stays missing is reported, one warning per article and field
    warned = {(k, w.field) for k, a in arts.items() for w in a.warnings}
    assert ("004", "date") in warned and ("004", "title") in warned and ("004", "source") in warned
    assert ("000", "date") not in warned
    assert len(warned) == sum(len(a.warnings) for a in arts.values())
