"""The build: load -> analyse -> assemble -> render -> write.

As in MkDocs' ``build()``, everything is gathered from every file first and
only then written: the home page, the actor index and the timeline need the
whole corpus.  Errors from every article are collected before the build
stops, and a failed build never touches the previous output.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import __version__
from .analyse import analyse, to_json
from .config import Config
from .feeds import add_publishing_files, summaries_of
from .ingest import IngestError, find_articles, read_article
from .model import Analysis, Article, Problem
from .overview import OverviewInput, overview
from .render import THEME, Renderer, article_context, display_title, environment, format_date, reading_minutes
from .search import SearchIndexError, index_site
from .writer import OutputConflict, SiteFiles, copy_tree_into, write_site

log = logging.getLogger(__name__)


class BuildError(Exception):
    """The build failed; ``problems`` lists every error found."""

    def __init__(self, problems: Sequence[Problem | str]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class BuildResult:
    """What a build did, for the command line and the tests."""

    output: Path
    articles: int = 0
    pages: int = 0
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    analyses: list[Analysis] = field(default_factory=list)


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_articles(config: Config, *, drafts: bool) -> tuple[list[Article], list[Problem], list[Problem]]:
    """Read every article; return (articles, errors, warnings) for all of them."""
    articles: list[Article] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    content = config.folder("content_dir")
    if not content.is_dir():
        errors.append(Problem(display_path(content, config.root), "content folder not found"))
        return articles, errors, warnings
    paths = find_articles(content)
    if not paths:
        errors.append(Problem(display_path(content, config.root), "no articles (.txt, .md, .html) found"))
    for path in paths:
        try:
            article = read_article(path, display_path=display_path(path, config.root))
        except IngestError as exc:
            errors.extend(exc.problems)
            continue
        if article.meta.draft and not drafts:
            log.info("%s: draft, skipped (build with --drafts to include it)", article.path)
            continue
        warnings.extend(article.warnings)
        articles.append(article)
    seen: dict[str, Article] = {}
    for article in articles:
        if article.slug in seen:
            errors.append(Problem(article.path, f"slug {article.slug!r} is also used by {seen[article.slug].path}: "
                                  "set a different 'slug:' in the front matter of one of them"))
        else:
            seen[article.slug] = article
    return articles, errors, warnings


def sort_newest_first(analyses: Sequence[Analysis]) -> list[Analysis]:
    """Newest first; undated articles last, then by title for a stable order."""
    return sorted(
        analyses,
        key=lambda a: (a.article.meta.date is None, -(a.article.meta.date.toordinal() if a.article.meta.date else 0),
                       display_title(a).casefold(), a.article.slug),
    )


def article_path(slug: str) -> str:
    return f"articles/{slug}.html"


def listing_item(analysis: Analysis, config: Config) -> dict[str, Any]:
    by_id = {s.id: s for s in analysis.sentences}
    lede = analysis.article.meta.dek
    if not lede and analysis.summary and analysis.summary[0] in by_id:
        lede = by_id[analysis.summary[0]].text
    return {
        "path": article_path(analysis.article.slug),
        "title": display_title(analysis),
        "meta": analysis.article.meta,
        "minutes": reading_minutes(analysis.word_count, config["build.words_per_minute"]),
        "lede": lede,
    }


def overview_items(analyses: Sequence[Analysis], count: int) -> list[dict[str, Any]]:
    """The home page's cited overview sentences."""
    inputs = [OverviewInput(a.article.slug, a.article.meta.date, a.sentences, a.summary) for a in analyses]
    by_slug = {a.article.slug: a for a in analyses}
    items = []
    for slug, sid in overview(inputs, count):
        a = by_slug[slug]
        sentence = next(s for s in a.sentences if s.id == sid)
        source = a.article.meta.source or "source not named"
        items.append({
            "slug": slug,
            "sentence": sid,
            "text": sentence.text,
            "href": f"{article_path(slug)}#{sid}",
            "label": f"{display_title(a)} ({source}, {format_date(a.article.meta.date)})",
        })
    return items


def site_context(config: Config, article_count: int) -> dict[str, Any]:
    return {
        "title": config["site.title"],
        "description": config["site.description"],
        "language": config["site.language"],
        "base_url": config["site.base_url"].rstrip("/"),
        "author": config["site.author"],
        "version": __version__,
        "article_count": article_count,
        "nav": [
            {"label": "Articles", "path": "articles/index.html", "section": "articles"},
            {"label": "Actors", "path": "actors/index.html", "section": "actors"},
            {"label": "Timeline", "path": "timeline/index.html", "section": "timeline"},
        ],
    }


def briefing_json(config: Config, analyses: Sequence[Analysis], overview: Sequence[dict[str, Any]]) -> str:
    data = {
        "generator": f"sitegen {__version__}",
        "site": {k.split(".", 1)[1]: config[k] for k in ("site.title", "site.description", "site.base_url", "site.language")},
        "articles": [to_json(a) for a in analyses],
        "overview": [{"article": o["slug"], "sentence": o["sentence"], "text": o["text"]} for o in overview],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def render_site(config: Config, analyses: Sequence[Analysis]) -> SiteFiles:
    """Every output file of the site, in memory."""
    ordered = sort_newest_first(analyses)
    env = environment(config.folder("templates_dir"))
    renderer = Renderer(env, site_context(config, len(ordered)))
    files = SiteFiles()
    items = [listing_item(a, config) for a in ordered]
    overview = overview_items(ordered, config["summary.overview_sentences"])

    files.add("index.html", renderer.page("index.html", "index.html", section="home", articles=items,
                                          overview=overview), "home page")
    files.add("articles/index.html", renderer.page("articles.html", "articles/index.html", section="articles",
                                                   articles=items), "article listing")
    for a in ordered:
        path = article_path(a.article.slug)
        ctx = article_context(a, config["build.words_per_minute"])
        title = display_title(a)
        description = a.article.meta.dek or " ".join(s.text for s in ctx["summary_sentences"])[:300]
        files.add(path, renderer.page("article.html", path, section="articles", title=title,
                                      description=description, **ctx), a.article.path)
    files.add("actors/index.html", renderer.page(
        "coming.html", "actors/index.html", section="actors", heading="Actors",
        message="The actor index (who is in the story, in what role, saying what) is coming in a later release."),
        "actor index")
    files.add("timeline/index.html", renderer.page(
        "coming.html", "timeline/index.html", section="timeline", heading="Timeline",
        message="The timeline of dated events across all articles is coming in a later release."),
        "timeline")
    files.add("briefing.json", briefing_json(config, ordered, overview), "briefing data")
    # Search page, 404, Atom feed, sitemap, robots.txt (after every HTML page: the sitemap lists them).
    add_publishing_files(files, renderer, ordered, summaries_of(ordered))
    # Static files: the project's own first, then the built-in theme's.
    copy_tree_into(files, config.folder("static_dir"), "static", "static")
    copy_tree_into(files, THEME / "static", "static", "theme static")
    return files


def build(config: Config, *, output: Path | None = None, drafts: bool | None = None,
          strict: bool | None = None) -> BuildResult:
    """Build the site described by ``config``; raise BuildError on failure.

    Explicit arguments override the config (None means: use the config).
    """
    started = time.perf_counter()
    drafts = config["build.drafts"] if drafts is None else drafts
    strict = config["build.strict"] if strict is None else strict
    out = (output or config.folder("output_dir")).resolve()
    if out == config.root or out in config.folder("content_dir").parents or out == config.folder("content_dir"):
        raise BuildError([Problem(str(out), "output folder would overwrite the project or its content")])

    articles, errors, warnings = load_articles(config, drafts=drafts)
    if errors or (strict and warnings):
        raise BuildError(errors + ([Problem(w.path, f"{w.message} (--strict)", w.line) for w in warnings]
                                   if strict else []))
    for w in warnings:
        log.warning("%s", w)

    settings = config.analysis_key
    analyses = []
    for article in articles:
        log.debug("analysing %s", article.path)
        analyses.append(analyse(article, settings))

    try:
        files = render_site(config, analyses)
    except OutputConflict as exc:
        raise BuildError([str(exc)]) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError([Problem(exc.filename or exc.name or "template", f"template syntax error: {exc.message}",
                                  exc.lineno)]) from exc
    except jinja2.TemplateNotFound as exc:
        raise BuildError([Problem(str(config.folder("templates_dir")), f"template not found: {exc.name}")]) from exc
    except jinja2.UndefinedError as exc:
        raise BuildError([Problem(_template_location(exc), f"template error: {exc.message}")]) from exc
    try:
        # Pagefind indexes the finished pages in the temporary folder, before the swap.
        write_site(files.files, out, before_swap=index_site)
    except SearchIndexError as exc:
        raise BuildError([str(exc)]) from exc
    return BuildResult(output=out, articles=len(analyses), pages=sum(1 for f in files.files if f.endswith(".html")),
                       files=len(files), warnings=warnings, seconds=time.perf_counter() - started,
                       analyses=analyses)


def _template_location(exc: BaseException) -> str:
    """'file:line' of the innermost template frame in a Jinja2 traceback."""
    tb = exc.__traceback__
    where = "template"
    while tb is not None:
        frame = tb.tb_frame
        if "__jinja_template__" in frame.f_globals:
            filename = frame.f_code.co_filename
            template = frame.f_globals["__jinja_template__"]
            where = f"{filename}:{template.get_corresponding_lineno(tb.tb_lineno)}"
        tb = tb.tb_next
    return where
