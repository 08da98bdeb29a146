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


def test_is_article_is_find_articles_for_one_file(tmp_path: Path) -> None:
    from sitegen.ingest import find_articles, is_article

    content = tmp_path / "content"
    for rel in ("a.md", "B.MARKDOWN", "c.txt", "d.html", "e.htm", "notes.rst", "sub/f.md", "sub/deeper/g.md",
                ".hidden.md", ".drafts/h.md", "_private/i.md", "sub/_j.md", "image.png"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "k.md").write_text("x")
    (content / "linked.md").symlink_to(tmp_path / "elsewhere" / "k.md")  # an article
    (content / "linked-folder").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # not entered
    (content / "folder.md").mkdir()  # not a file
    articles = set(find_articles(content))
    candidates = [p for p in content.rglob("*")] + [content / "linked-folder" / "k.md", content / "missing.md",
                                                     tmp_path / "elsewhere" / "k.md", tmp_path / "sitegen.yaml"]
    assert len(articles) == 8
    for p in candidates:
        assert is_article(content, p) == (p in articles), p


def test_serve_preview_follows_a_template_added_between_builds(tmp_path: Path) -> None:
    """The previews keep their Jinja2 environment from build to build, until a template changes."""
    from sitegen.render import THEME
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    article = project / "content" / "a.md"
    edit(article, "Shoukry told reporters in Cairo.", "Shoukry told reporters in Cairo.\n\nThe review would continue.")
    assert b"The review would continue" in builder.preview([article])["articles/talks-resume-in-cairo.html"]
    builder(tmp_path / "serve-1")
    (project / "templates").mkdir(exist_ok=True)
    theme = (THEME / "templates" / "article.html").read_text()
    (project / "templates" / "article.html").write_text(theme.replace('<article class="article">',
                                                                      '<article class="article overridden">'))
    builder(tmp_path / "serve-2")  # a template change: built, not previewed
    edit(article, "The review would continue.", "The review would go on.")
    page = builder.preview([article])["articles/talks-resume-in-cairo.html"]
    assert b"The review would go on" in page and b"overridden" in page
    builder(tmp_path / "serve-3")
    assert page == (tmp_path / "serve-3" / "articles" / "talks-resume-in-cairo.html").read_bytes()
