"""The whole-build shortcut (sitegen/uptodate.py): a build with nothing changed does nothing.

Each test builds once, changes one thing (or nothing) and checks whether the
second build was skipped or ran, and that the output is then right.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen import cli
from sitegen.build import BuildError, build
from sitegen.config import load_config

from tests.test_incremental import Counter, stats, write_project

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path)
    return tmp_path


def again(project: Path, **kwargs):  # type: ignore[no-untyped-def]
    return build(load_config(root=project), skip_unchanged=True, **kwargs)


def test_nothing_changed_is_skipped_without_importing_the_build(project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = again(project)
    assert not first.unchanged and first.articles == 3
    before = stats(project / "build")
    counter = Counter(monkeypatch)
    # The decision must not need the build's heavy modules: make importing them fail.
    for name in ("sitegen.pages", "sitegen.assemble", "sitegen.executor", "jinja2"):
        monkeypatch.setitem(sys.modules, name, None)
    second = again(project)
    assert second.unchanged
    assert (second.articles, second.pages, second.files) == (first.articles, first.pages, first.files)
    assert counter.parsed == []
    assert stats(project / "build") == before


@pytest.mark.parametrize("change", ["content", "new article", "config", "template", "static", "data"])
def test_any_input_change_runs_the_build(project: Path, change: str) -> None:
    again(project)
    if change == "content":
        page = project / "content" / "a.md"
        page.write_text(page.read_text().replace("Cairo.", "Cairo, officials said."))
    elif change == "new article":
        (project / "content" / "d.md").write_text("---\ntitle: New\ndate: 2024-03-04\nsource: Wire\n---\n\n"
                                                  "Talks ended in Cairo on Thursday, officials said.\n")
    elif change == "config":
        (project / "sitegen.yaml").write_text("site:\n  title: Renamed briefing\nbuild:\n  jobs: 1\n")
    elif change == "template":
        (project / "templates").mkdir()
        (project / "templates" / "partials").mkdir()
        (project / "templates" / "partials" / "footer.html").write_text("<footer>Our footer</footer>\n")
    elif change == "static":
        (project / "static").mkdir()
        (project / "static" / "extra.css").write_text("body{}\n")
    else:
        (project / "data").mkdir()
        (project / "data" / "actors.yaml").write_text("Cairo:\n  description: Capital of Egypt.\n")
    result = again(project)
    assert not result.unchanged
    out = project / "build"
    if change == "content":
        assert "officials said" in (out / "articles" / "talks-resume-in-cairo.html").read_text()
    elif change == "new article":
        assert (out / "articles" / "new.html").is_file()
    elif change == "config":
        assert "Renamed briefing" in (out / "index.html").read_text()
    elif change == "template":
        assert "Our footer" in (out / "index.html").read_text()
    elif change == "static":
        assert (out / "static" / "extra.css").is_file()
    # The third build, with nothing changed again, is skipped.
    assert again(project).unchanged


@pytest.mark.parametrize("damage", ["edited", "deleted", "added", "folder removed"])
def test_a_changed_output_folder_is_rebuilt(project: Path, damage: str) -> None:
    again(project)
    out = project / "build"
    page = out / "articles" / "aid-convoy-reaches-gaza.html"
    if damage == "edited":
        page.unlink()  # a hard link into the object store: replace it, do not write through it
        page.write_text("<p>hand-edited</p>")
    elif damage == "deleted":
        page.unlink()
    elif damage == "added":
        (out / "stray.html").write_text("<p>stray</p>")
    else:
        import shutil

        shutil.rmtree(out)
    result = again(project)
    assert not result.unchanged
    assert "aid convoy" in page.read_text().lower()
    assert not (out / "stray.html").exists()


def test_warnings_are_said_again_and_strict_is_not_skipped(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    (project / "content" / "nodate.md").write_text("---\ntitle: No date\nsource: Wire\n---\n\n"
                                                    "Talks went on in Cairo, officials said.\n")
    first = again(project)
    assert first.warnings
    caplog.clear()
    second = again(project)
    assert second.unchanged
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]
    assert any("no date" in r.getMessage() for r in caplog.records)
    with pytest.raises(BuildError, match="strict"):
        again(project, strict=True)


def test_cli_says_up_to_date_and_verbose_builds_in_full(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    runner = CliRunner()
    first = runner.invoke(cli.main, ["build"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("built 3 articles")
    second = runner.invoke(cli.main, ["build"])
    assert second.exit_code == 0 and "is up to date (3 articles" in second.output
    verbose = runner.invoke(cli.main, ["build", "-v"])
    assert verbose.exit_code == 0 and "built 3 articles" in verbose.output
    forced = runner.invoke(cli.main, ["build", "--force"])
    assert forced.exit_code == 0 and forced.output.startswith("built 3 articles")
    assert "is up to date" in runner.invoke(cli.main, ["build"]).output


def test_no_cache_means_no_shortcut(project: Path) -> None:
    (project / "sitegen.yaml").write_text("site:\n  title: Test briefing\nbuild:\n  jobs: 1\n  cache: false\n")
    again(project)
    assert not again(project).unchanged
