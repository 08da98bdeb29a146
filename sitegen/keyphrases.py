"""Key phrases of an article: TextRank word ranks summed over noun chunks.

TextRank (Rada Mihalcea and Paul Tarau, "TextRank: Bringing Order into
Texts", EMNLP 2004) ranks words by PageRank over a co-occurrence graph: the
nodes are the lemmas of nouns, proper nouns and adjectives that are not stop
words, and two nodes are linked when they occur within ``WINDOW`` such words of
each other inside one sentence.  As in later TextRank implementations
(pytextrank), the candidate phrases are the parser's noun chunks rather than
runs of adjacent keywords: each chunk, trimmed of determiners, pronouns, stop
words and loose numbers and cut at possessives and conjunctions, scores the sum of its words'
ranks divided by the square root of its length (so a phrase beats its best word
only when its other words matter too).  A phrase whose words are all inside a
better phrase's words is dropped; a longer phrase containing a better one
("city council" after "council") replaces it when it recurs as a unit (at
least twice, and at least half as often as the shorter).

Only noun chunks inside the given sentences count, so headings, captions and
anything else :func:`sitegen.nlp.sentences_of` left out never yield a phrase.
The ``doc`` is used duck-typed (``noun_chunks``, token ``lemma_``, ``pos_``,
``is_stop``, ``ent_type_``); this module does not import spaCy.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .model import Sentence

log = logging.getLogger(__name__)

METHOD = "TextRank over noun chunks (Mihalcea & Tarau 2004)"
WINDOW = 3  # co-occurrence window, in candidate words
DAMPING = 0.85
NODE_POS = frozenset({"NOUN", "PROPN", "ADJ"})
HEAD_POS = frozenset({"NOUN", "PROPN"})
TRIM_POS = frozenset({"DET", "PRON", "PUNCT", "PART", "CCONJ", "ADP", "SYM", "SPACE"})
# Dates, amounts and counts are facts, not topics: the timeline shows them.
SKIP_ENTITIES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
MAX_WORDS = 4


def pagerank(weights: np.ndarray, damping: float = DAMPING, tol: float = 1e-8) -> np.ndarray:
    """Weighted PageRank by power iteration over a symmetric weight matrix."""
    n = weights.shape[0]
    if n == 0:
        return np.zeros(0)
    strength = weights.sum(axis=1)
    transition = np.divide(weights, strength[:, None], out=np.zeros_like(weights), where=strength[:, None] > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(200):
        updated = (1 - damping) / n + damping * (transition.T @ rank)
        if np.abs(updated - rank).sum() < tol:
            return updated
        rank = updated
    return rank


def _key(token: Any) -> str:
    return (token.lemma_ or token.text).lower()


def _is_node(token: Any) -> bool:
    return token.pos_ in NODE_POS and not token.is_stop and any(c.isalpha() for c in token.text)


def _surface(tokens: Sequence[Any], inner: set[str]) -> str:
    """The phrase as written, with a sentence-initial capital undone when the
    word is written in lower case (and never capitalised) inside sentences."""
    parts = []
    for k, t in enumerate(tokens):
        text = t.text
        if t.is_sent_start and text.lower() in inner and text not in inner:
            text = text.lower()
        parts.append(text + (t.whitespace_ if k < len(tokens) - 1 else ""))
    return "".join(parts)


def _pieces(chunk: Sequence[Any]) -> list[list[Any]]:
    """The chunk cut at possessives ("the club's new manager" -> club / new manager)
    and conjunctions ("Netanyahu and U.S. administrations"), trimmed."""
    pieces: list[list[Any]] = [[]]
    for t in chunk:
        if t.tag_ == "POS" or t.pos_ == "CCONJ" or (t.pos_ == "PART" and t.text.lower() in {"'s", "’s", "'", "’"}):
            pieces.append([])
        else:
            pieces[-1].append(t)
    out = []
    for piece in pieces:
        while piece and _trim(piece[0], leading=True):
            piece = piece[1:]
        while piece and _trim(piece[-1], leading=False):
            piece = piece[:-1]
        if piece and any(t.pos_ in HEAD_POS for t in piece) and len(piece) <= MAX_WORDS:
            if not all(t.ent_type_ in SKIP_ENTITIES for t in piece if t.pos_ in HEAD_POS):
                out.append(piece)
    return out


def _trim(token: Any, leading: bool) -> bool:
    if token.pos_ in TRIM_POS or token.is_stop:
        return True
    # a loose number ("two", "1,000") goes; one glued by a hyphen ("three-year") stays
    return token.pos_ == "NUM" and (not leading or bool(token.whitespace_))


def keyphrases(doc: Any, sentences: Sequence[Sentence], limit: int = 8) -> tuple[str, ...]:
    """Up to ``limit`` key phrases of the article, best first."""
    if limit <= 0 or not sentences:
        return ()
    starts = [s.start for s in sentences]

    def sentence_of(char: int) -> int | None:
        k = bisect.bisect_right(starts, char) - 1
        return k if k >= 0 and char < sentences[k].end else None

    # the co-occurrence graph over candidate words, sentence by sentence
    runs: dict[int, list[str]] = defaultdict(list)
    for token in doc:
        k = sentence_of(token.idx)
        if k is not None and _is_node(token):
            runs[k].append(_key(token))
    vocab = {w: i for i, w in enumerate(sorted({w for run in runs.values() for w in run}))}
    if not vocab:
        return ()
    weights = np.zeros((len(vocab), len(vocab)))
    for run in runs.values():
        for i, word in enumerate(run):
            for other in run[i + 1 : i + WINDOW]:
                if other != word:
                    weights[vocab[word], vocab[other]] += 1
                    weights[vocab[other], vocab[word]] += 1
    rank = pagerank(weights)
    rank = rank / rank.max()

    # score the noun chunks inside the sentences
    inner = {t.text for t in doc if not t.is_sent_start}
    surfaces: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    first_seen: dict[tuple[str, ...], int] = {}
    for chunk in doc.noun_chunks:
        if sentence_of(chunk.start_char) is None:
            continue
        for piece in _pieces(chunk):
            key = tuple(_key(t) for t in piece)
            surfaces[key][_surface(piece, inner)] += 1
            first_seen.setdefault(key, piece[0].idx)

    def score(key: tuple[str, ...]) -> float:
        return sum(float(rank[vocab[w]]) for w in key if w in vocab) / math.sqrt(len(key))

    def words(key: tuple[str, ...]) -> set[str]:
        return set(key) & vocab.keys()

    def frequency(key: tuple[str, ...]) -> int:
        return sum(surfaces[key].values())

    ranked = sorted(surfaces, key=lambda k: (-score(k), first_seen[k]))
    chosen: list[tuple[str, ...]] = []
    for key in ranked[: limit * 8]:
        if score(key) <= 0:
            break
        overlap = [k for k, c in enumerate(chosen) if words(key) <= words(c) or words(c) <= words(key)]
        if not overlap:
            if len(chosen) < limit:
                chosen.append(key)
            continue
        # "Locke" after "Gary Locke" is dropped; "city council" after "council"
        # takes its place when the longer phrase is itself a recurring unit
        k = overlap[0]
        if len(overlap) == 1 and words(chosen[k]) < words(key):
            if frequency(key) >= 2 and 2 * frequency(key) >= frequency(chosen[k]):
                chosen[k] = key
    # the most frequent written form; the first one written on a tie
    return tuple(max(surfaces[k].items(), key=lambda kv: kv[1])[0] for k in chosen)
