"""``sitegen serve``'s preview of edited articles, shown while the site builds again.

A whole rebuild after one edit costs what the corpus-wide stages cost
(merging actors and events, choosing the overview, rendering the pages that
change): seconds at a thousand articles.  What the editor is looking at is the
article they edited.  As Hugo's server renders the changed page first ("fast
render"), ``sitegen serve`` first makes the edited article's own page against
the last build's corpus and serves it, then builds the whole site and
reloads again.  The preview is made by the build's own code (ingest, the
cached analysis, the article template); only the corpus around the article
is the last build's.

Anything the preview cannot show faithfully is left to the build: a new,
renamed, removed or draft article, a file that does not parse, an analysis
that fails.  Those return None and the build reports what it finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import Config


def preview_pages(config: Config, briefing: Any, paths: Sequence[Path], *, drafts: bool,
                  env: Any = None) -> dict[str, bytes] | None:
    """``{output path: page}`` for the edited article files ``paths``, or None.

    ``briefing`` is the last build's (:class:`sitegen.assemble.Briefing`);
    ``drafts`` whether that build included drafts; ``env`` a Jinja2
    environment to reuse (templates compile once per environment).
    """
    from .analyse import analyse
    from .build import display_path
    from .cache import AnalysisCache, read_article_cached
    from .ingest import IngestError, is_article
    from .nlp import PipelineError
    from .pages import article_preview

    content = config.folder("content_dir")
    cache = AnalysisCache(config.folder("build.cache_dir") if config["build.cache"] else None, config.analysis_key)
    pages: dict[str, bytes] = {}
    for path in paths:
        if not is_article(content, path):
            return None  # not an article: a template, the config, a static file…
        shown = display_path(path, config.root)
        try:
            article = read_article_cached(path, shown, cache)
        except IngestError:
            return None
        if article.meta.draft and not drafts:
            return None
        try:
            before = briefing.analysis(article.slug)
        except KeyError:
            return None  # a new article, or a new slug: the listings change too
        if before.article.path != article.path:
            return None
        analysis = cache.get(article)
        if analysis is None:
            try:
                analysis = analyse(article, config.analysis_key)
            except PipelineError:
                return None
            cache.put(article, analysis)  # the build that follows finds it
        out, page = article_preview(config, briefing, analysis, env)
        pages[out] = page
    return pages or None
