"""Whole builds: the seed briefing, raw seeds, failures and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.build import BuildError, build
from sitegen.cli import main
from sitegen.config import load_config

from .conftest import ROOT
from .sitecheck import article_body_text, broken_links, page_text

pytestmark = pytest.mark.slow

NOISE = ["date 2024-03-26", "Reference(s)", "cgtn.com", "[Read:", "A photo of humanitarian", "Hannah McKay",
         "What's Your Reaction", "dislike", "Become a member", "Get the best offers", "HomeNews",
         "Rally in Philadelphia"]


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "build"
    build(load_config(ROOT / "sitegen.yaml"), output=out)
    return out


def test_seed_site_has_every_page(seed_site: Path) -> None:
    assert (seed_site / "index.html").is_file()
    articles = sorted(p for p in (seed_site / "articles").glob("*.html") if p.name != "index.html")
    assert len(articles) == 5
    for name in ("actors/index.html", "timeline/index.html", "briefing.json", "static/style.css"):
        assert (seed_site / name).is_file(), name


def test_no_noise_on_any_article_page(seed_site: Path) -> None:
    for page in (seed_site / "articles").glob("*.html"):
        text = page_text(page)
        assert page.name == "index.html" or len(article_body_text(page)) > 500
        for noise in NOISE:
            assert noise not in text, f"{noise!r} on {page.name}"


def test_every_link_and_anchor_resolves(seed_site: Path) -> None:
    assert broken_links(seed_site) == []


def test_links_are_relative(seed_site: Path) -> None:
    for page in seed_site.rglob("*.html"):
        html = page.read_text()
        assert 'href="/' not in html and 'src="/' not in html, page


def test_article_page_structure(seed_site: Path) -> None:
    html = (seed_site / "articles" / "the-united-states-and-israel-are-coming-apart.html").read_text()
    assert "<h1>The United States and Israel Are Coming Apart</h1>" in html
    assert "The Atlantic" in html and 'datetime="2024-04-05"' in html and "min read" in html
    assert html.count('class="s in-summary"') == 3  # summary sentences marked in the text
    assert 'id="p1"' in html and 'id="s1"' in html


def test_timeline_page(seed_site: Path) -> None:
    html = (seed_site / "timeline" / "index.html").read_text()
    text = page_text(seed_site / "timeline" / "index.html")
    assert "week of 25 March 2024" in text and "7 March 2024" in text
    assert 'id="timeline-filters"' in html and 'id="filter-actor"' in html and 'id="filter-source"' in html
    assert "<details class=\"background\"" in html and "the 1990s" in text
    data = json.loads((seed_site / "briefing.json").read_text())
    merged = [e for e in data["timeline"] if len({s["article"] for s in e["sources"]}) > 1]
    assert merged, "no event reported by two sources"
    assert (seed_site / "static" / "timeline.js").is_file()


def test_actor_pages(seed_site: Path) -> None:
    data = json.loads((seed_site / "briefing.json").read_text())
    names = {a["name"]: a for a in data["actors"]}
    assert names["Benjamin Netanyahu"]["type"] == "person"
    page = page_text(seed_site / "actors" / f"{names['Benjamin Netanyahu']['id']}.html")
    assert "Israeli Prime Minister" in page and "Israel must fight until it achieves complete victory" in page
    assert "On the timeline" in page
    index = (seed_site / "actors" / "index.html").read_text()
    assert 'id="actor-filter"' in index and "People" in index and "Places" in index
    article = (seed_site / "articles" / "the-united-states-and-israel-are-coming-apart.html").read_text()
    assert 'class="mention" href="../actors/benjamin-netanyahu.html"' in article


def test_actor_overrides_apply_on_build(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD.replace(
        "The minister said on Monday that talks would go on.",
        "Prime Minister Jane Roe said on Monday that talks with Acme Corp would go on in Paris.")})
    (project / "data").mkdir()
    (project / "data" / "actors.yaml").write_text(
        "actors:\n  Jane Roe:\n    description: Head of government since 2021.\n  Paris:\n    hide: true\n")
    build(load_config(root=project))
    assert not (project / "build" / "actors" / "paris.html").exists()
    assert "Head of government since 2021." in page_text(project / "build" / "actors" / "jane-roe.html")
    (project / "data" / "actors.yaml").write_text("actors:\n  Jane Roe:\n    type: planet\n")
    with pytest.raises(BuildError) as info:
        build(load_config(root=project))
    assert "actors.yaml:3" in str(info.value)


def test_build_runs_without_full_garbage_collections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from sitegen import pages

    seen = []
    real = pages.render_site
    monkeypatch.setattr(pages, "render_site", lambda *a, **k: seen.append(gc.get_threshold()) or real(*a, **k))
    project = make_project(tmp_path, {"a.md": "---\ntitle: A\ndate: 2024-03-01\n---\nThe minister spoke.\n"})
    before = gc.get_threshold()
    build(load_config(root=project), jobs=1)  # in this process: loading spaCy calls gc.enable()
    # Full collections paused, young ones not (they free the cycles reading an article leaves).
    assert seen == [(before[0], before[1], 1 << 30)] and gc.get_threshold() == before and before[0] > 0


def test_undated_article_says_so(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.txt").write_text(
        "The minister said on Monday that talks would continue in Cairo next week.\n"
        "Officials from both sides met for three hours and agreed to meet again.\n")
    build(load_config(root=tmp_path))
    text = page_text(next((tmp_path / "build" / "articles").glob("a*.html")))
    assert "Undated" in text and "Source not named" in text


def test_home_lists_articles_newest_first(seed_site: Path) -> None:
    data = json.loads((seed_site / "briefing.json").read_text())
    dates = [a["date"] for a in data["articles"]]
    assert dates == sorted(dates, reverse=True)
    html = (seed_site / "index.html").read_text()
    html = html[html.index('id="latest-heading"'):]  # the listing, after the overview
    positions = [html.find(a["slug"]) for a in data["articles"]]
    assert positions == sorted(positions) and -1 not in positions


def test_raw_seed_files_build_without_front_matter(tmp_path: Path, seeds_dir: Path) -> None:
    shutil.copytree(seeds_dir, tmp_path / "content", ignore=shutil.ignore_patterns("*.md"))
    result = build(load_config(root=tmp_path))
    assert result.articles == 5
    fields = {(w.path.split("/")[-1][:3], w.field) for w in result.warnings}
    assert ("000", "date") not in fields and ("004", "date") in fields
    for page in (tmp_path / "build" / "articles").glob("*.html"):
        for noise in NOISE:  # the source site named in a reference block is metadata, not body text
            assert noise not in article_body_text(page), f"{noise!r} in {page.name}"


def make_project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / "content" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


GOOD = "---\ntitle: Good\ndate: 2024-01-02\nsource: X\n---\nThe minister said on Monday that talks would go on.\n"


def test_all_errors_reported_and_previous_build_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good.txt": GOOD})
    build(load_config(root=project))
    before = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    (project / "content" / "bad1.txt").write_text("---\ntitle: [x\n---\nText here that is fine.\n")
    (project / "content" / "bad2.md").write_text("")
    (project / "content" / "bad3.txt").write_text("---\ndate: next Tuesday\n---\nSome words in a sentence.\n")
    with pytest.raises(BuildError) as info:
        build(load_config(root=project))
    paths = sorted({p.path for p in info.value.problems})
    assert paths == ["content/bad1.txt", "content/bad2.md", "content/bad3.txt"]
    after = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    assert after == before


def test_duplicate_slugs_name_both_files(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD, "b.txt": GOOD})
    with pytest.raises(BuildError) as info:
        build(load_config(root=project))
    message = str(info.value)
    assert "content/a.txt" in message and "content/b.txt" in message


def test_editor_summary_replaces_generated_one(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD.replace("source: X\n", "source: X\nsummary: Talks go on, an "
                                      "official said.\n") + "Officials from both sides met for three hours.\n"})
    build(load_config(root=project))
    html = (project / "build" / "articles" / "good.html").read_text()
    assert "Talks go on, an official said." in html and "Summary written by the editor." in html
    assert 'class="s in-summary"' not in html


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": "The minister said on Monday that talks would go on.\n"})
    with pytest.raises(BuildError) as info:
        build(load_config(root=project), strict=True)
    assert "--strict" in str(info.value)


def test_drafts_are_skipped_unless_asked(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD, "d.txt": GOOD.replace("Good", "Draft piece").replace(
        "---\nThe", "draft: true\n---\nThe")})
    assert build(load_config(root=project)).articles == 1
    assert build(load_config(root=project), drafts=True).articles == 2


def test_project_templates_override_theme(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD})
    (project / "templates" / "partials").mkdir(parents=True)
    (project / "templates" / "partials" / "footer.html").write_text("<p>Custom footer here</p>\n")
    (project / "templates" / "articles.html").write_text(
        '{% extends "!default/articles.html" %}{% block title %}All the articles{% endblock %}')
    (project / "static").mkdir()
    (project / "static" / "style.css").write_text("body{color:red}")
    build(load_config(root=project))
    assert "Custom footer here" in (project / "build" / "index.html").read_text()
    assert "<title>All the articles</title>" in (project / "build" / "articles" / "index.html").read_text()
    assert (project / "build" / "static" / "style.css").read_text() == "body{color:red}"


def test_template_errors_name_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD})
    (project / "templates").mkdir()
    (project / "templates" / "articles.html").write_text("line one\n{% if %}\n")
    with pytest.raises(BuildError) as info:
        build(load_config(root=project))
    assert "articles.html" in str(info.value) and ":2" in str(info.value)
    (project / "templates" / "articles.html").write_text("line one\n{{ no_such_variable }}\n")
    with pytest.raises(BuildError) as info:
        build(load_config(root=project))
    assert "no_such_variable" in str(info.value) and "articles.html:2" in str(info.value)


# ---- the command line ------------------------------------------------------

def test_cli_build_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path, {"a.txt": GOOD})
    monkeypatch.chdir(project)
    runner = CliRunner()
    ok = runner.invoke(main, ["build", "-q"])
    assert ok.exit_code == 0, ok.output
    (project / "content" / "b.txt").write_text("")
    failed = runner.invoke(main, ["build"])
    assert failed.exit_code == 1 and "content/b.txt" in failed.output
    (project / "sitegen.yaml").write_text("summary:\n  sentences: three\n")
    bad = runner.invoke(main, ["build"])
    assert bad.exit_code == 2 and "summary.sentences" in bad.output


def test_cli_analyze_json_interface(tmp_path: Path) -> None:
    runner = CliRunner()
    src = ROOT / "content" / "002_46cd6f5a4c61ea49.txt"
    result = runner.invoke(main, ["analyze", str(src), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, list) and len(data) == 1
    a = data[0]
    for key in ("path", "slug", "title", "dek", "date", "source", "url", "sentences", "entities", "summary"):
        assert key in a, key
    text = (ROOT / "content" / "002_46cd6f5a4c61ea49.txt").read_text()
    assert a["date"] == "2024-04-05"
    assert {"id", "text", "start", "end"} <= set(a["sentences"][0])
    assert {"text", "label", "start", "end"} <= set(a["entities"][0])
    for key in ("actors", "timexes", "events"):
        assert key in a, key
    assert {"id", "name", "type", "roles", "mentions", "quotes"} <= set(a["actors"][0])
    assert {"text", "start", "end", "type", "value"} <= set(a["timexes"][0])
    assert {t["text"]: t["value"] for t in a["timexes"]}["yesterday"] == "2024-04-04"
    ids = {s["id"] for s in a["sentences"]}
    assert a["summary"] and set(a["summary"]) <= ids
    assert all(s["text"] in text for s in a["sentences"])


def test_cli_new_scaffolds_a_buildable_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["new", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    for name in ("sitegen.yaml", "README.md", ".gitignore", "content/example.md"):
        assert (tmp_path / "proj" / name).is_file(), name
    assert runner.invoke(main, ["new", str(tmp_path / "proj")]).exit_code == 2  # never overwrites
    monkeypatch.chdir(tmp_path / "proj")
    built = runner.invoke(main, ["build", "-q"])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "proj" / "build" / "articles" /
            "city-council-approves-new-bus-lanes-after-months-of-debate.html").is_file()


def test_cli_help_lists_every_command() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["--help"]).output
    for command in ("build", "analyze", "new"):
        assert command in out
        assert runner.invoke(main, [command, "--help"]).exit_code == 0


def _find_articles_by_rglob(content_dir: Path) -> list[Path]:
    """find_articles as it was written before the os.scandir walk: the rule's reference."""
    from sitegen.ingest import SUFFIXES

    return sorted(p for p in content_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not any(part.startswith((".", "_")) for part in p.relative_to(content_dir).parts))


def test_article_files_are_the_files_rglob_finds(tmp_path: Path) -> None:
    """The serve-speed walk (ingest.article_files, behind find_articles) lists what
    the plain rglob rule lists, in its order."""
    import os

    from sitegen.ingest import article_files, find_articles

    content = tmp_path / "content"
    for rel in ("a.md", "a-c.md", "a/b.md", "a/c/d.TXT", "b.Markdown", "x.htm", "y.html", "z.rst", "noext",
                ".hidden.md", "_draft.md", "_wip/e.md", ".git/f.md", "g/.h/i.md", "g/j_k.md", "dot.", "m.md/n.md",
                "sp ace.md", "Z.md", "é.md"):
        p = content / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.md").write_text("x")
    os.symlink(outside, content / "linked")  # a symlinked folder: not walked (as rglob)
    os.symlink(outside / "o.md", content / "file-link.md")  # a symlinked file: counts
    os.symlink(tmp_path / "missing.md", content / "broken.md")
    (content / "folder.md").mkdir()
    found = [Path(p) for p, _ in article_files(content)]
    assert found == _find_articles_by_rglob(content) == find_articles(content)
    assert content / "file-link.md" in found and content / "a" / "c" / "d.TXT" in found


def test_serve_reads_again_an_article_whose_file_changed_even_with_its_mtime_put_back(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """Inside sitegen serve an article file with the same stat as when it was read is not
    read again; any write changes its ctime, so it is read again."""
    import os
    import time

    import sitegen.cache as cache_mod
    from sitegen.build import load_articles
    from sitegen.cache import AnalysisCache

    project = make_project(tmp_path, {"a.txt": GOOD, "b.txt": GOOD.replace("Good", "Fine")})
    old = 1_600_000_000
    for name in ("a.txt", "b.txt"):
        os.utime(project / "content" / name, (old, old))  # settled long before it is read
    config = load_config(root=project)
    monkeypatch.setattr(cache_mod, "SETTLED_NS", 50_000_000)  # 2 s: the test would wait that long
    time.sleep(0.1)
    reads: list[str] = []
    real = cache_mod.read_article_cached
    monkeypatch.setattr(cache_mod, "read_article_cached", lambda p, *a: reads.append(p.name) or real(p, *a))
    with cache_mod.memory_kept(cache_mod.Memory()):
        def titles() -> list[str]:
            cache = AnalysisCache(project / ".sitegen-cache", config.analysis_key)
            return [a.meta.title for a in load_articles(config, drafts=False, cache=cache)[0]]

        assert titles() == ["Good", "Fine"] and sorted(reads) == ["a.txt", "b.txt"]
        assert titles() == ["Good", "Fine"] and len(reads) == 2  # not read again
        (project / "content" / "b.txt").write_text(GOOD.replace("Good", "Nice"))  # the same size
        os.utime(project / "content" / "b.txt", (old, old))
        assert titles() == ["Good", "Nice"] and reads[2:] == ["b.txt"]
        # Changed just before it was read (its ctime): a change in the same clock tick
        # would keep the stat, so it is read again until it has settled.
        assert titles() == ["Good", "Nice"] and reads[2:] == ["b.txt", "b.txt"]
        time.sleep(0.1)
        assert titles() == ["Good", "Nice"] and reads[2:] == ["b.txt", "b.txt", "b.txt"]
        assert titles() == ["Good", "Nice"] and reads[2:] == ["b.txt", "b.txt", "b.txt"]
