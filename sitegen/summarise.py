"""Extractive summaries: position-aware sentence centrality with redundancy removal.

The method is PacSum's directed sentence graph (Hao Zheng and Mirella Lapata,
"Sentence Centrality Revisited for Unsupervised Summarization", ACL 2019),
computed over TF-IDF vectors of each sentence's content lemmas
(:attr:`Sentence.terms`), so it runs on cached sentence records without a
spaCy ``Doc``:

* edges ``e_ij = max(0, cos(i, j) - t)`` where the threshold ``t`` sits a
  share ``beta`` of the way from the smallest to the largest similarity;
* centrality ``c_i = lambda1 * sum_{j<i} e_ij + lambda2 * sum_{j>i} e_ij``.
  With ``lambda1 < 0`` a sentence that merely echoes earlier ones loses rank,
  one that the rest of the article goes on to develop gains it: in news the
  important facts come first and are then elaborated;
* the centrality (scaled to [0, 1]) is mixed with an explicit lead prior
  ``1 / sqrt(1 + position)``, the inverted-pyramid convention of news writing;
* sentences are picked greedily by Maximal Marginal Relevance (Jaime
  Carbonell and Jade Goldstein, "The Use of MMR, Diversity-Based Reranking for
  Reordering Documents and Producing Summaries", SIGIR 1998), and a candidate
  whose cosine to a picked sentence reaches ``duplicate`` is never picked.

Readability rules (see :func:`assess`) decide which sentences may stand on
their own: boilerplate, captions and fragments are never picked; a quotation
split across sentences is taken whole or not at all; a sentence opening with an
unresolved pronoun or a connective ("But", "However") is marked down unless the
sentence before it is already in the summary.

The helpers here (:func:`resolve_count`, :func:`term_vectors`, :func:`assess`)
are shared with :mod:`sitegen.lead` and :mod:`sitegen.overview`.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import Sentence

log = logging.getLogger(__name__)

METHOD = "Position-aware centrality with MMR (PacSum, Zheng & Lapata 2019)"


@dataclass(frozen=True)
class Params:
    """Tuning knobs of :func:`summarise`; the defaults are the shipped method."""

    lambda1: float = -1.0  # weight of edges to earlier sentences (PacSum's lambda1)
    lambda2: float = 1.0  # weight of edges to later sentences (PacSum's lambda2)
    beta: float = 0.1  # edge threshold, as a share of the similarity range
    position: float = 0.7  # weight of the lead prior against centrality
    mmr: float = 0.85  # MMR trade-off: 1 = relevance only, 0 = novelty only
    duplicate: float = 0.5  # cosine at which a candidate counts as a repeat
    opener_penalty: float = 0.8  # score factor for an unresolved opener
    max_quote: int = 3  # longest quotation (in sentences) taken as a unit
    decay: float = 0.5  # exponent of the lead prior (1 + position) ** -decay


DEFAULT = Params()


# --------------------------------------------------------------------------- counts


def resolve_count(total: int, count: int | float) -> int:
    """How many of ``total`` sentences a summary of size ``count`` has.

    An ``int`` (or integral float >= 1) is a number of sentences; a float
    strictly between 0 and 1 is a share of the article, rounded, at least 1.
    """
    if isinstance(count, bool):
        raise TypeError("summary size must be a number, not a bool")
    if isinstance(count, float):
        if 0 < count < 1:
            return min(total, max(1, round(count * total)))
        if count >= 1 and count.is_integer():
            count = int(count)
        else:
            raise ValueError(f"summary size must be a whole number or a share in (0, 1), got {count}")
    if not isinstance(count, int):
        raise TypeError(f"summary size must be a number, got {type(count).__name__}")
    if count < 0:
        raise ValueError(f"summary size must not be negative, got {count}")
    return min(total, count)


# --------------------------------------------------------------------------- vectors


def term_vectors(sentences: Sequence[Sentence]) -> np.ndarray:
    """L2-normalised TF-IDF rows, one per sentence, over their ``terms``.

    Inverse document frequency is taken over the given sentences (each
    sentence a "document"), smoothed as ``log((1 + n) / (1 + df)) + 1``, and
    term frequency is sublinear (``1 + log tf``).  A sentence without terms
    gets a zero row.
    """
    vocab: dict[str, int] = {}
    counts = [Counter(s.terms) for s in sentences]
    for c in counts:
        for term in c:
            vocab.setdefault(term, len(vocab))
    matrix = np.zeros((len(sentences), max(1, len(vocab))))
    for i, c in enumerate(counts):
        for term, tf in c.items():
            matrix[i, vocab[term]] = 1.0 + math.log(tf)
    df = (matrix > 0).sum(axis=0)
    matrix *= np.log((1.0 + len(sentences)) / (1.0 + df)) + 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def centrality(similarity: np.ndarray, params: Params = DEFAULT) -> np.ndarray:
    """PacSum's directed degree centrality, clipped at 0 and scaled to [0, 1]."""
    n = similarity.shape[0]
    if n < 2:
        return np.ones(n)
    off = similarity[~np.eye(n, dtype=bool)]
    low, high = float(off.min()), float(off.max())
    edges = np.maximum(similarity - (low + params.beta * (high - low)), 0.0)
    np.fill_diagonal(edges, 0.0)
    later = np.triu(edges, 1).sum(axis=1)  # j > i
    earlier = np.tril(edges, -1).sum(axis=1)  # j < i
    # A sentence that mostly repeats earlier ones (negative) is worth no more
    # than one that shares nothing (zero): clip, then scale by the best.
    raw = np.maximum(params.lambda1 * earlier + params.lambda2 * later, 0.0)
    top = raw.max()
    return raw / top if top > 0 else np.zeros(n)


def lead_prior(n: int, decay: float = DEFAULT.decay) -> np.ndarray:
    """The inverted-pyramid prior ``(1 + position) ** -decay``."""
    return (1.0 + np.arange(n)) ** -decay


# --------------------------------------------------------------------------- readability

BOILERPLATE = re.compile(
    r"""^\W*(?:click\ here|scroll\ down|read\ more|related\b|advertisement\b|sign\ up
          |subscribe\b|follow\ (?:us|@)|share\ (?:this|on)|watch\ (?:the\ )?video
          |(?:photo|image|picture|video)s?(?:\ credit)?\s*:|copyright\b|©)
      |all\ rights\ reserved|contributed\ to\ this\ report|click\ here\ to
      |scroll\ down\ for|this\ (?:article|story)\ (?:has\ been|was)\ (?:updated|amended|corrected)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A sentence that reads on its own ends like one; captions and headings do not.
ENDS_LIKE_SENTENCE = re.compile(r"""[.!?…](?:\s*["”’'»)\]])*$""")
MIN_WORDS = 5
HARD_REASONS = frozenset({"no content words", "boilerplate", "caption or heading"})

PRONOUNS = frozenset(
    "he she it they him her his its their theirs them this that these those we us our i you".split()
)
CONNECTIVES = frozenset(
    """but and or so yet however also still meanwhile moreover furthermore nevertheless
    nonetheless therefore thus hence instead otherwise besides additionally then indeed
    again too though although""".split()
)
CONNECTIVE_PHRASES = (
    "in addition", "as a result", "on the other hand", "by contrast", "in contrast",
    "at the same time", "even so", "that said", "instead of this", "in turn",
)
_FIRST_WORD = re.compile(r"""^[\W_]*([A-Za-z]+)""")


def unresolved_opener(text: str) -> bool:
    """Whether ``text`` opens with a pronoun or connective that needs context."""
    match = _FIRST_WORD.match(text)
    if not match:
        return False
    word = match.group(1).lower()
    if word in PRONOUNS or word in CONNECTIVES:
        # "That" and "This" also open noun phrases ("This year ...") that still
        # point back; "It" is mostly pleonastic but reads as a dangling reference
        return True
    lowered = text[match.start(1):].lower()
    return any(lowered.startswith(p + " ") or lowered.startswith(p + ",") for p in CONNECTIVE_PHRASES)


_DOUBLE_MARKS = re.compile("[“”\"]")
_SINGLE_MARKS = re.compile("[‘'’]")


def quote_balance(text: str) -> tuple[int, int]:
    """``(opened, closed)``: quotations ``text`` opens but does not close, and
    closes without having opened.

    Double marks (“ ” ") and single ones (‘ ’ ') are counted separately.  A
    straight double mark opens when it starts a word, else closes.  A single closing mark between letters is an apostrophe;
    after a letter and before a space it may be a plural possessive
    ("players’ "), so it closes only a quotation already open.

    Only the quotation marks are visited (found with a regular expression),
    not every character: a third of the time of the overview, which assesses
    every sentence of 300 articles, went to a loop over each character.
    """
    opened = closed = 0
    last = len(text) - 1
    depth = 0
    for match in _DOUBLE_MARKS.finditer(text):
        k = match.start()
        ch = text[k]
        if ch == "“":
            opens = True
        elif ch == "”":
            opens = False
        else:
            before = text[k - 1] if k else " "
            after = text[k + 1] if k < last else " "
            opens = not before.isalnum() and before not in ".,!?;:…" and not after.isspace()
        if opens:
            depth += 1
        elif depth:
            depth -= 1
        else:
            closed += 1
    opened += depth
    depth = 0
    for match in _SINGLE_MARKS.finditer(text):
        k = match.start()
        ch = text[k]
        before = text[k - 1] if k else " "
        after = text[k + 1] if k < last else " "
        if before.isalnum() and after.isalnum():
            continue  # apostrophe: it's, O’Toole
        if ch == "‘" or (ch == "'" and not before.isalnum() and (after.isalpha() or after in "“\"")):
            depth += 1
        elif before in ".,!?;:…" or (depth > 0 and (before.isalpha() or before.isspace())):
            # the second: ambiguous with "players’ ": only if a quotation is open
            if depth:
                depth -= 1
            else:
                closed += 1
    opened += depth
    return opened, closed


@dataclass(frozen=True)
class Traits:
    """What :func:`assess` found about one sentence (by position in the list)."""

    usable: bool  # may be picked at all (not boilerplate, caption or fragment)
    unit: tuple[int, ...]  # positions that must be picked together with it
    opener: bool  # opens with an unresolved pronoun or connective
    reason: str = ""  # why it is not usable, for logging


def assess(sentences: Sequence[Sentence], max_quote: int = DEFAULT.max_quote) -> tuple[Traits, ...]:
    """The readability traits of each sentence of one article.

    A quotation that opens in one sentence runs to the sentence that closes
    it, or to the end of its paragraph (news style reopens a quotation that
    continues into the next paragraph), scanning at most eight sentences.
    Such a run is a unit: picked whole if it is at most ``max_quote``
    sentences long, never otherwise.  A sentence that closes a quotation no
    earlier sentence opened, or opens one whose end is not found, is not
    usable.
    """
    n = len(sentences)
    balance = [quote_balance(s.text) for s in sentences]
    units: list[tuple[int, ...]] = [(i,) for i in range(n)]
    reasons = [""] * n
    for i, s in enumerate(sentences):
        if not s.terms:
            reasons[i] = "no content words"
        elif BOILERPLATE.search(s.text):
            reasons[i] = "boilerplate"
        elif not ENDS_LIKE_SENTENCE.search(s.text.rstrip()):
            reasons[i] = "caption or heading"
        elif len(s.text.split()) < MIN_WORDS:
            reasons[i] = "fragment"
    i = 0
    while i < n:
        opened, closed = balance[i]
        if closed and not opened:
            reasons[i] = reasons[i] or "closes a quotation opened elsewhere"
            i += 1
            continue
        if not opened:
            i += 1
            continue
        depth, j, end = opened, i + 1, None
        while j < n and j - i < 8:
            if sentences[j].paragraph != sentences[i].paragraph:
                end = j - 1  # quotation continues in the next paragraph
                break
            depth -= balance[j][1]
            if depth <= 0:
                end = j
                break
            depth += balance[j][0]
            j += 1
        if end is None and j >= n:
            end = n - 1  # the article ends: so does its last paragraph
        if end is None:
            reasons[i] = reasons[i] or "opens a quotation that does not close"
            i += 1
            continue
        run = tuple(range(i, end + 1))
        for k in run:
            units[k] = run
            if len(run) > max_quote:
                reasons[k] = reasons[k] or "inside a long quotation"
        i = end + 1
    return tuple(
        Traits(
            usable=not reasons[i] and not any(reasons[k] for k in units[i]),
            unit=units[i],
            opener=unresolved_opener(sentences[units[i][0]].text),
            reason=reasons[i],
        )
        for i in range(n)
    )


# --------------------------------------------------------------------------- selection


def select(
    scores: np.ndarray,
    similarity: np.ndarray,
    traits: Sequence[Traits],
    count: int,
    params: Params = DEFAULT,
    adjacent: Sequence[int | None] | None = None,
    groups: Sequence[object] | None = None,
    spread: float = 1.0,
) -> list[int]:
    """Greedy MMR over the usable units; positions of the picked sentences.

    ``adjacent[i]`` is the position of the sentence that precedes ``i`` in
    its text (``i - 1`` by default); when that sentence is already picked, an
    opener of ``i`` is resolved and not penalised.  With ``groups`` (e.g. the
    article of each sentence) a unit's relevance is multiplied by ``spread``
    once for every sentence already picked from its group.
    """
    n = len(scores)
    if adjacent is None:
        adjacent = [i - 1 if i else None for i in range(n)]
    units = sorted({t.unit for t in traits if t.usable})
    chosen: list[int] = []
    if not units or count <= 0:
        return []
    # The greedy loop asks, for every unit at every pick, its relevance and its
    # redundancy with the picks so far.  The overview runs it over some 1,500
    # units: one unit at a time that cost 85 ms.  Here each pick is one pass of
    # array operations over all units, computing the same values: what does not
    # change between picks once (the mean score), what a pick changes by update
    # (the largest similarity to a picked sentence, the picks of each group).  The
    # float operations are those of the loop, in its order, so the values are
    # equal to the bit; ties go, as in the loop, to the first unit in sorted order.
    scores = np.asarray(scores)
    single = scores.dtype == np.float64  # then the mean of one score is that score
    mean = np.array([
        float(scores[unit[0]]) if single and len(unit) == 1 else float(np.mean(scores[list(unit)]))
        for unit in units
    ])
    length = np.array([len(unit) for unit in units])
    opener = np.array([bool(traits[unit[0]].opener) for unit in units])
    head = [adjacent[unit[0]] for unit in units]
    has_head = np.array([h is not None and 0 <= h < n for h in head])  # else never picked
    head_at = np.array([h if h is not None and 0 <= h < n else 0 for h in head], dtype=np.intp)
    picked = np.zeros(n, dtype=bool)
    if groups is not None:
        code: dict[object, int] = {}
        group_of = np.array([code.setdefault(groups[unit[0]], len(code)) for unit in units], dtype=np.intp)
        in_group = np.zeros(len(code), dtype=np.intp)  # picks so far in each group
        factor = {0: spread ** 0}
    # every unit's members, consecutive, for the largest similarity to a new pick
    members = np.array([k for unit in units for k in unit], dtype=np.intp)
    member_starts = np.cumsum([0] + [len(unit) for unit in units[:-1]])
    redundancy = np.full(len(units), -math.inf)  # max similarity to the picks, once there are some
    alive = np.ones(len(units), dtype=bool)
    while len(chosen) < count:
        relevance = mean.copy()
        penalised = opener & ~(has_head & picked[head_at])
        relevance[penalised] *= params.opener_penalty
        if groups is not None:
            taken = in_group[group_of]
            for k in np.unique(taken):
                if k not in factor:
                    factor[k] = spread ** int(k)
            relevance *= np.array([factor[k] for k in taken.tolist()])
        current = redundancy if chosen else np.zeros(len(units))
        value = params.mmr * relevance - (1 - params.mmr) * current
        # the loop skips a unit that does not fit or repeats a pick, and never takes a
        # NaN value (NaN > best is false)
        eligible = alive & (len(chosen) + length <= count) & ~(current >= params.duplicate) & ~np.isnan(value)
        value = np.where(eligible, value, -math.inf)
        best = int(np.argmax(value))
        if not value[best] > -math.inf:
            break
        unit = units[best]
        chosen.extend(unit)
        alive[best] = False
        picked[list(unit)] = True
        if groups is not None:
            for k in unit:
                group = groups[k]
                if group in code:
                    in_group[code[group]] += 1
        nearest = np.asarray(similarity[np.ix_(members, unit)]).max(axis=1)
        redundancy = np.maximum(redundancy, np.maximum.reduceat(nearest, member_starts))
    return sorted(chosen)


def rank(sentences: Sequence[Sentence], params: Params = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, similarity)``: the relevance of each sentence and the cosine matrix."""
    vectors = term_vectors(sentences)
    similarity = vectors @ vectors.T
    scores = (1 - params.position) * centrality(similarity, params) + params.position * lead_prior(
        len(sentences), params.decay
    )
    return scores, similarity


def summarise(
    sentences: Sequence[Sentence], count: int | float = 3, params: Params = DEFAULT,
    traits: tuple[Traits, ...] | None = None,
) -> tuple[str, ...]:
    """The ids of the summary sentences of one article, in document order.

    ``count`` is a number of sentences, or a share of the article when a
    float below 1.  A summary may come out shorter than ``count`` when too few
    sentences can stand on their own; it is empty only for an article with no
    usable sentence at all.  ``traits``: ``assess(sentences,
    params.max_quote)`` if the caller has it already (the overview does).
    """
    n = resolve_count(len(sentences), count)
    if n == 0:
        return ()
    scores, similarity = rank(sentences, params)
    if traits is None:
        traits = assess(sentences, params.max_quote)
    chosen = select(scores, similarity, traits, n, params)
    if not chosen:
        # Better a broken quotation or a fragment than nothing; never boilerplate.
        relaxed = [
            Traits(t.reason not in HARD_REASONS, (i,), t.opener, t.reason)
            for i, t in enumerate(traits)
        ]
        chosen = select(scores, similarity, relaxed, n, params)
        log.debug("no sentence of %d stands alone; fell back to %d", len(sentences), len(chosen))
    return tuple(sentences[i].id for i in chosen)
