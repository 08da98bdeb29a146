"""The analysis stage: one article in, its :class:`~sitegen.model.Analysis` out.

A pure function of the article, the analysis settings of the config and the
NLP pipeline (name and version), so that it can be cached by content hash and
run in parallel.  Nothing here reads the rest of the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .clean import normalise
from .actors import article_actors
from .events import article_events
from .keyphrases import keyphrases
from .model import Analysis, Article, Sentence
from .summarise import METHOD, summarise
from .temporal import extract_timexes

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Texts spaCy parses at once in analyse_batch.  Measured on the 100 benchmark articles, one
# process: 1 -> 11.6 s CPU, 2 -> 10.9 s, 3 -> 11.2 s, 8 -> ~6 % less than 1 too; but the
# process's peak memory grows with the batch (+19 MB at 2, +50 MB at 4, +120 MB at 8).
PIPE_BATCH = 2
PIPE_CHARS = 12_000  # at most this many characters parsed together (the median article: 3,400)

# sitegen.nlp (and with it spaCy, 0.5-0.8 s to import) is imported only where a text is
# parsed: the build's main process imports this module for to_json (briefing.json) alone.


def editor_summary_ids(editor: tuple[str, ...], sentences: tuple[Sentence, ...]) -> tuple[str, ...]:
    """Ids of the article sentences an editor's summary quotes verbatim."""
    by_text = {normalise(s.text): s.id for s in sentences}
    return tuple(by_text[n] for n in (normalise(t) for t in editor) if n in by_text)


def analyse(article: Article, settings: Mapping[str, Any]) -> Analysis:
    """Sentences, entities, summary and key phrases of one article.

    ``settings`` is :attr:`sitegen.config.Config.analysis_key`: the only
    options the result depends on.
    """
    from . import nlp

    return _analysis(article, nlp.parse(article.text, settings["nlp.pipeline"]), settings)


def analyse_batch(articles: Sequence[Article], settings: Mapping[str, Any]) -> Iterator[Analysis]:
    """:func:`analyse` of each of ``articles``, in order, their texts parsed together.

    Consecutive short texts go through one ``nlp.pipe`` together (up to
    ``PIPE_BATCH`` texts of at most ``PIPE_CHARS`` characters in all) rather
    than one pipeline call each: spaCy runs its models over them at once,
    with the very same ``Doc`` (compared with ``Doc.to_bytes``, tensors
    included, on the benchmark articles, in batches of 2, 8 and 32).  A long
    text is parsed alone: the memory spaCy takes grows with the text (a
    107,000-character article: 450 MB more), and two of them in one batch
    took twice that.  (Grouped here: ``nlp.pipe``'s batches count texts, not
    their length.)
    """
    from . import nlp

    group: list[Article] = []
    size = 0
    for article in [*articles, None]:
        if group and (article is None or len(group) == PIPE_BATCH or size + len(article.text) > PIPE_CHARS):
            docs = nlp.parse_many((a.text for a in group), settings["nlp.pipeline"], batch_size=len(group))
            for done, doc in zip(group, docs, strict=True):
                yield _analysis(done, doc, settings)
            group, size = [], 0
        if article is not None:
            group.append(article)
            size += len(article.text)


def _analysis(article: Article, doc: Doc, settings: Mapping[str, Any]) -> Analysis:
    from . import nlp

    sentences = nlp.sentences_of(doc, article.blocks)
    entities = nlp.entities_of(doc, sentences)
    if article.meta.summary:
        summary = editor_summary_ids(article.meta.summary, sentences)
        method = "editor"
    else:
        summary = summarise(sentences, settings["summary.sentences"])
        method = METHOD
    actors = article_actors(doc, sentences)
    timexes = extract_timexes(doc, article.meta.date)
    return Analysis(
        article=article,
        sentences=sentences,
        entities=entities,
        summary=summary,
        summary_method=method,
        keyphrases=keyphrases(doc, sentences, settings["summary.keyphrases"]),
        actors=actors,
        timexes=timexes,
        events=article_events(sentences, timexes, article.meta.date, actors),
    )


def to_json(analysis: Analysis) -> dict[str, Any]:
    """The public JSON form of an analysis (``sitegen analyze --json``).

    Documented in ``docs/analysis-json.md``; keys are only ever added.
    """
    a = analysis.article
    m = a.meta
    return {
        "path": a.path,
        "slug": a.slug,
        "title": m.title,
        "dek": m.dek,
        "date": m.date.isoformat() if m.date else None,
        "source": m.source,
        "url": m.url,
        "author": m.author,
        "tags": list(m.tags),
        "draft": m.draft,
        "inferred": list(a.inferred),
        "blocks": [{"kind": b.kind, "text": b.text, "start": b.start, "end": b.end} for b in a.blocks],
        "sentences": [
            {"id": s.id, "text": s.text, "start": s.start, "end": s.end, "paragraph": s.paragraph}
            for s in analysis.sentences
        ],
        "entities": [
            {"text": e.text, "label": e.label, "start": e.start, "end": e.end, "sentence": e.sentence}
            for e in analysis.entities
        ],
        "summary": list(analysis.summary),
        "summary_method": analysis.summary_method,
        "editor_summary": list(m.summary) if m.summary else None,
        "keyphrases": list(analysis.keyphrases),
        "actors": [actor.to_json() for actor in analysis.actors],
        "timexes": [
            {"text": t.text, "start": t.start, "end": t.end, "type": t.type, "value": t.value,
             "granularity": t.granularity, "mod": t.mod, "resolved": t.resolved}
            for t in analysis.timexes
        ],
        "events": [e.to_json() for e in analysis.events],
        "warnings": [str(w) for w in a.warnings],
    }
