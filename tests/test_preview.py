"""sitegen serve's preview of an edited article: the build's own page, made before the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.preview import preview_pages

from .test_incremental import write_project

pytestmark = pytest.mark.slow


def built(root: Path):  # type: ignore[no-untyped-def]
    config = load_config(root=root)
    return config, build(config, keep_briefing=True).briefing


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("old,new,shown", [
    # A sentence added at the end, and a paragraph added before every other sentence
    # (the sentence ids all move: the actor links must follow the names, not the ids).
    ("Shoukry told reporters in Cairo.", "Shoukry told reporters in Cairo.\n\nThe review would continue, he said.",
     b"The review would continue"),
    ("Egypt's foreign minister", "Diplomats gathered early.\n\nEgypt's foreign minister", b"Diplomats gathered"),
])
def test_preview_is_the_page_the_build_makes(tmp_path: Path, old: str, new: str, shown: bytes) -> None:
    write_project(tmp_path)
    config, briefing = built(tmp_path)
    article = tmp_path / "content" / "a.md"
    edit(article, old, new)
    pages = preview_pages(config, briefing, [article], drafts=False)
    assert pages is not None and list(pages) == ["articles/talks-resume-in-cairo.html"]
    page = pages["articles/talks-resume-in-cairo.html"]
    assert shown in page
    build(config)
    assert page == (tmp_path / "build" / "articles" / "talks-resume-in-cairo.html").read_bytes()
    assert b'href="../actors/sameh-shoukry.html"' in page


def test_no_preview_where_only_a_build_can_show_the_change(tmp_path: Path) -> None:
    write_project(tmp_path)
    config, briefing = built(tmp_path)
    content = tmp_path / "content"
    new = content / "d.md"
    new.write_text("---\ntitle: New\ndate: 2024-03-04\n---\n\nA new article about Cairo.\n")
    assert preview_pages(config, briefing, [new], drafts=False) is None  # the listings change too
    (tmp_path / "sitegen.yaml").write_text("site:\n  title: Other\n")
    assert preview_pages(config, briefing, [tmp_path / "sitegen.yaml"], drafts=False) is None
    edit(content / "b.md", "title: Aid convoy reaches Gaza", "title: [unclosed")
    assert preview_pages(config, briefing, [content / "b.md"], drafts=False) is None  # the build reports it
    edit(content / "c.md", "source: Wire", "source: Wire\ndraft: true")
    assert preview_pages(config, briefing, [content / "c.md"], drafts=False) is None
    edit(content / "a.md", "title: Talks resume in Cairo", "title: Talks resume in Cairo\nslug: moved")
    assert preview_pages(config, briefing, [content / "a.md"], drafts=False) is None
