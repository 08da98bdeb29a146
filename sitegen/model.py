"""The model objects passed between the build stages.

Every stage is a function of (inputs, config) that returns new objects of the
types below; none of them is mutated once made.  The field names of
:class:`Sentence`, :class:`Entity` and :class:`Analysis` are part of the public
``sitegen analyze --json`` interface (see ``docs/analysis-json.md``).
"""

from __future__ import annotations

import datetime as dt
import operator
import sys
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def compact(cls: type[T] | None = None, *, interned: tuple[str, ...] = ()) -> Any:
    """Pickle a frozen slotted dataclass as its class and field values.

    Analyses are made of hundreds of thousands of these records, kept with
    ``slots`` (a third less memory than a ``__dict__`` each).  The pickle
    support that ``dataclass(slots=True)`` generates sets every field through
    a Python loop, which made loading 1,000 cached analyses seconds slower;
    calling the class with its values is several times faster.

    ``interned`` names fields (a string, or a tuple of strings) whose values
    are interned as they are loaded, so that every analysis in memory shares
    one copy of each: a sentence's lemmas repeat across a corpus (measured
    on 2,000 news articles: 830,203 lemma strings, 17,229 distinct, 43 MiB
    of which 42.5 were copies).
    """
    def wrap(cls: type[T]) -> type[T]:
        names = cls.__slots__  # type: ignore[attr-defined]  # the fields, in order
        get = operator.attrgetter(*names)
        if interned:
            cls._interned = tuple(names.index(n) for n in interned)  # type: ignore[attr-defined]
            cls.__reduce__ = lambda self: (_load_interned, (cls, get(self)))  # type: ignore[method-assign,assignment]
        elif len(names) == 1:
            cls.__reduce__ = lambda self: (cls, (get(self),))  # type: ignore[method-assign,assignment]
        else:
            cls.__reduce__ = lambda self: (cls, get(self))  # type: ignore[method-assign,assignment]
        return cls

    return wrap if cls is None else wrap(cls)


def _load_interned(cls: type[T], values: tuple[Any, ...]) -> T:
    """Unpickle a :func:`compact` record, interning its ``interned`` fields."""
    fields = list(values)
    for i in cls._interned:  # type: ignore[attr-defined]
        value = fields[i]
        fields[i] = sys.intern(value) if type(value) is str else tuple(map(sys.intern, value))
    return cls(*fields)


@compact
@dataclass(frozen=True, slots=True)
class Block:
    """A structural piece of an article's cleaned text.

    ``kind`` is ``"heading"`` or ``"paragraph"``; ``start``/``end`` are
    character offsets into :attr:`Article.text`.  Headings are kept for the
    page's outline and are never split into sentences.
    """

    kind: str
    text: str
    start: int
    end: int


@compact
@dataclass(frozen=True, slots=True)
class Meta:
    """Publication facts of one article (front matter, else inferred)."""

    title: str | None = None
    dek: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    summary: tuple[str, ...] | None = None  # an editor's override
    tags: tuple[str, ...] = ()
    slug: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class Problem:
    """A warning or error about one input, with its location."""

    path: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@compact
@dataclass(frozen=True, slots=True)
class Article:
    """An ingested article: metadata and cleaned text, before any NLP."""

    path: str  # as given, relative to the project where possible
    slug: str
    meta: Meta
    text: str  # cleaned body: blocks joined by blank lines
    blocks: tuple[Block, ...]
    removed: tuple[str, ...] = ()  # noise lines dropped by cleaning, for --verbose
    inferred: tuple[str, ...] = ()  # names of meta fields inferred from the text
    warnings: tuple[Problem, ...] = ()


@compact(interned=("id", "terms"))
@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a paragraph block.

    ``id`` is stable for a given text (``s`` + 1-based index) and is the
    anchor of the sentence on the article page.  ``terms`` are the lower-cased
    lemmas of its content words, used by the summarisers.
    """

    id: str
    index: int
    text: str
    start: int
    end: int
    paragraph: int  # index into the article's paragraph blocks (0-based)
    terms: tuple[str, ...] = ()


@compact(interned=("text", "label", "sentence"))
@dataclass(frozen=True, slots=True)
class Entity:
    """A named-entity mention found by the NLP pipeline."""

    text: str
    label: str
    start: int
    end: int
    sentence: str  # id of the sentence it is in


@compact
@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of the analysis stage for one article.

    A pure function of the article, the config and the NLP model version.
    """

    article: Article
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...]
    summary: tuple[str, ...]  # sentence ids, in document order
    summary_method: str = ""
    keyphrases: tuple[str, ...] = ()
    actors: tuple[Any, ...] = ()  # sitegen.actor_model.ArticleActor
    timexes: tuple[Any, ...] = ()  # sitegen.temporal.Timex
    events: tuple[Any, ...] = ()  # sitegen.events.Event

    @property
    def word_count(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)
