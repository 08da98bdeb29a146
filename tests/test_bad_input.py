"""Bad input (issue 8): every kind of broken article gives a message naming
the file (and line, where there is one), never a crash or a hang, and a
build reports every error at once.

Extends tests/test_ingest.py (which has the basic YAML, wrong-type, empty,
binary and Latin-1 cases) and tests/test_build.py (template errors, exit
codes) without repeating them.  Each case's message kind and exit code is
listed in docs/errors.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen import ingest
from sitegen.build import BuildError, build, load_articles
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.ingest import IngestError, parse_article, read_article

BODY = ("The minister said on Monday that the talks would continue next week in Cairo.\n\n"
        "Officials from both sides met for three hours and agreed to meet again soon.\n")


def parse(data: str | bytes, suffix: str = ".txt"):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return parse_article(raw, f"content/a{suffix}", suffix=suffix, stem="a")


def problems_of(data: str | bytes, suffix: str = ".txt"):
    with pytest.raises(IngestError) as info:
        parse(data, suffix)
    for p in info.value.problems:
        assert p.path == f"content/a{suffix}"  # every message names the file
    return info.value.problems


# ---- front matter -------------------------------------------------------------

BILLION_LAUGHS = "---\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")) + "title: *i\n---\n" + BODY


@pytest.mark.parametrize("front, line, words", [
    ("date: 2024-02-30", 2, "day is out of range"),           # PyYAML builds the date itself, and fails
    ("title: x\ndate: 2024-13-01", 3, "month must be in 1..12"),
    ("title: 'unclosed", 3, "invalid YAML"),  # found at the end of the block
    ("title: x\n\tdate: 2024-01-01", 3, "invalid YAML"),      # a tab in the indentation
    ("title: a\ntitle: b", 3, "given twice"),                 # YAML would keep the last one silently
    ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", None, "YAML"),
    ("tags: {a: 1}", 2, "expected text or a list of text"),
    ("summary: 5", 2, "expected text or a list of text"),
    ("title: true", 2, "expected text, got bool"),
    ("title: 2024-01-01", 2, "expected text, got date"),
    ("author: [a, [b, c]]", 2, "expected text, got list"),
    ("draft: 'yes'", 2, "expected true or false"),
    ("url: 42", 2, "expected an http(s) URL"),
    ("slug: My Article", 2, "is not a slug"),
    ("slug: com1", 2, "reserved"),
    ("slug: feed", 2, "reserved"),
    ("date: 'the 5th of never'", 2, "expected a date"),
])
def test_front_matter_errors_name_the_line(front: str, line: int | None, words: str) -> None:
    problems = problems_of(f"---\n{front}\n---\n{BODY}")
    assert any(words in p.message for p in problems), problems
    if line is not None:
        assert line in [p.line for p in problems], problems


def test_unclosed_front_matter_is_an_error() -> None:
    problem = problems_of(f"---\ntitle: Talks\ndate: 2024-01-01\n{BODY}")[0]
    assert "never closed" in problem.message and problem.line == 1


def test_huge_yaml_alias_values_are_reported_quickly() -> None:
    started = time.monotonic()
    problems = problems_of(BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    message = next(p.message for p in problems if p.field == "title")
    assert len(message) < 300  # the value is abbreviated, not printed in full


def test_unknown_fields_are_warnings_not_errors() -> None:
    a = parse(f"---\ntitel: Typo\n1: one\n---\n{BODY}")
    assert {w.field for w in a.warnings} >= {"warning"}
    assert any("titel" in w.message for w in a.warnings)


# ---- encodings and odd bytes ----------------------------------------------------

def test_utf16_with_bom_is_text_not_binary() -> None:
    a = parse(f"---\ntitle: Café talks\n---\n{BODY}".encode("utf-16"))
    assert a.meta.title == "Café talks" and "Cairo" in a.text


def test_cp1252_smart_quotes_are_detected() -> None:
    text = ("\u201cWe will meet again,\u201d the minister said on Monday in Montr\u00e9al, and officials "
            "agreed that the talks had gone well, according to a statement.\n")
    a = parse(text.encode("cp1252"))
    assert "\u201cWe will meet again" in a.text and "Montréal" in a.text


def test_undecodable_bytes_are_a_clear_error() -> None:
    problem = problems_of(bytes(range(1, 256)) * 10)[0]
    assert "no text encoding detected" in problem.message


def test_control_characters_are_removed() -> None:
    a = parse("The minister\x01 said\x1b[31m on Monday\x7f that talks\x85 would go on.\ufffe\n")
    assert a.text == "The minister said[31m on Monday that talks would go on."


@pytest.mark.parametrize("data, words", [
    (b"", "empty file"), (b" \n\t\n", "empty file"), (b"\xef\xbb\xbf", "no article text"),
    (b"\x00" * 100, "binary"), (b"%PDF-1.4\n\x00\x01\x02", "binary"), (b"---\n---\n", "no article text"),
    (b"<html><body></body></html>", "no article text found"), (b"Advertisement\nShare\nSubscribe\n", "no article text"),
])
def test_files_without_article_text(data: bytes, words: str) -> None:
    suffix = ".html" if data.startswith(b"<html") else ".txt"
    assert words in problems_of(data, suffix)[0].message


# ---- size -------------------------------------------------------------------------

def test_fifty_megabyte_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50_000_000)  # sparse: 50 MB that cost nothing
    started = time.monotonic()
    with pytest.raises(IngestError) as info:
        read_article(big, display_path="content/big.txt")
    assert time.monotonic() - started < 1
    message = str(info.value)
    assert message.startswith("content/big.txt: file too large: 50,000,000 bytes") and "10,000,000" in message


def test_text_over_the_nlp_limit_is_refused_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    paragraph = "The minister said on Monday that the talks would continue next week in Cairo, officials said. "
    data = ("\n\n".join([paragraph * 10] * 1200)).encode()  # about 1.1 million characters
    assert len(data) < ingest.MAX_FILE_BYTES
    started = time.monotonic()
    problem = problems_of(data)[0]
    assert time.monotonic() - started < 20
    assert "article too long" in problem.message and "1,000,000" in problem.message


def test_one_very_long_line_does_not_hang() -> None:
    started = time.monotonic()
    a = parse("[Read: " + " " * 50_000 + "x " * 50_000 + "\n" + BODY)
    assert time.monotonic() - started < 5
    assert "Cairo" in a.text


# ---- slugs and output names ----------------------------------------------------------

@pytest.mark.parametrize("title, slug", [("Index", "index-article"), ("CON", "con-article"), ("LPT1", "lpt1-article"),
                                         ("!!!", "a"), ("../../etc/passwd", "etcpasswd")])
def test_titles_never_make_a_reserved_or_unsafe_slug(title: str, slug: str) -> None:
    assert parse(f"---\ntitle: '{title}'\n---\n{BODY}").slug == slug


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        p = tmp_path / "content" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return tmp_path


def test_two_articles_with_one_slug_name_both(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": f"---\ntitle: Talks resume\n---\n{BODY}",
                              "b/c.md": f"---\ntitle: Talks Resume!\n---\n{BODY}"})
    _, errors, _ = load_articles(load_config(root=root), drafts=False)
    assert len(errors) == 1
    assert "content/b/c.md" == errors[0].path and "content/a.txt" in errors[0].message
    assert "talks-resume" in errors[0].message


def test_a_build_reports_every_bad_file_at_once(tmp_path: Path) -> None:
    """No NLP runs: ingestion errors stop the build first, all of them together."""
    root = project(tmp_path, {
        "ok.txt": BODY,
        "yaml.md": f"---\ntitle: [x\n---\n{BODY}",
        "date.md": f"---\ndate: 2024-02-30\n---\n{BODY}",
        "type.md": f"---\ntitle: [a, b]\ndraft: maybe\n---\n{BODY}",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00",
        "empty.txt": "",
        "url.md": f"---\nurl: javascript:alert(1)\n---\n{BODY}",
        "slug.md": f"---\nslug: ../x\n---\n{BODY}",
        "same1.txt": f"---\nslug: same\n---\n{BODY}",
        "same2.txt": f"---\nslug: same\n---\n{BODY}",
    })
    with pytest.raises(BuildError) as info:
        build(load_config(root=root))
    paths = sorted({p.path for p in info.value.problems})
    assert paths == ["content/binary.txt", "content/date.md", "content/empty.txt", "content/same2.txt",
                     "content/slug.md", "content/type.md", "content/url.md", "content/yaml.md"]
    assert len([p for p in info.value.problems if p.path == "content/type.md"]) == 2
    assert not (root / "build").exists()


def test_cli_reports_errors_and_exit_code_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"a.md": f"---\ndate: next Tuesday\n---\n{BODY}", "b.txt": b"\x00\x01"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "error: content/a.md:2: front matter 'date'" in result.output
    assert "error: content/b.txt: binary file" in result.output
    assert "build failed with 2 error(s)" in result.output


# ---- templates and actors (whole builds) ------------------------------------------------

GOOD = "---\ntitle: Talks\ndate: 2024-01-02\nsource: X\n---\nPresident Jane Smith said on Monday that talks in Cairo would go on.\n"


@pytest.mark.slow
def test_missing_template_names_the_template_that_asked(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": GOOD})
    (root / "templates").mkdir()
    (root / "templates" / "articles.html").write_text(
        '{% extends "base.html" %}{% block content %}\n\n{% include "partials/nope.html" %}{% endblock %}\n')
    with pytest.raises(BuildError) as info:
        build(load_config(root=root))
    message = str(info.value)
    assert "templates/articles.html:3" in message and "template not found: partials/nope.html" in message


@pytest.mark.slow
@pytest.mark.parametrize("name, expect", [('"../../x"', "x.html"), ('"/etc/passwd"', "etc-passwd.html"),
                                          ('"..."', "which is empty"), ("Index", "actor index's own name"),
                                          ("NUL", "Windows reserves")])
def test_actor_renames_never_leave_the_actor_folder(tmp_path: Path, name: str, expect: str) -> None:
    root = project(tmp_path, {"a.txt": GOOD})
    (root / "data").mkdir()
    (root / "data" / "actors.yaml").write_text(f"actors:\n  Jane Smith:\n    name: {name}\n")
    if expect.endswith(".html"):
        build(load_config(root=root))
        assert (root / "build" / "actors" / expect).is_file()
        assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob(expect)] == [f"build/actors/{expect}"]
    else:
        with pytest.raises(BuildError) as info:
            build(load_config(root=root))
        assert "data/actors.yaml" in str(info.value) and expect in str(info.value)


@pytest.mark.parametrize("path", ["../x.html", "a/../../x.html", "/etc/passwd", "\\\\server\\share", "a\\..\\..\\x",
                                  "c:x.html", "actors/.html", "actors/con.html", "articles/NUL.txt", "com1",
                                  "actors/lpt9.html", ""])
def test_writer_refuses_unsafe_output_paths(path: str) -> None:
    from sitegen.writer import OutputConflict, SiteFiles

    with pytest.raises(OutputConflict) as info:
        SiteFiles().add(path, b"x", "test source")
    assert str(info.value).startswith("test source: refusing to write")


@pytest.mark.parametrize("path", ["index.html", "actors/console.html", "static/.well-known/security.txt",
                                  "articles/con-article.html"])
def test_writer_accepts_ordinary_paths(path: str) -> None:
    from sitegen.writer import SiteFiles

    files = SiteFiles()
    files.add(path, b"x", "test source")
    assert path in files
