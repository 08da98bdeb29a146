"""The Lead-N baseline: the first N sentences of the article.

News is written as an inverted pyramid, so the opening sentences are a strong
baseline that unsupervised methods often fail to beat on news corpora (Ani
Nenkova, "Automatic Text Summarization of Newswire: Lessons Learned from the
Document Understanding Conference", AAAI 2005; See et al., "Get To The Point",
ACL 2017, report Lead-3 on CNN/Daily Mail).  sitegen does not ship it; it is
the yardstick :mod:`sitegen.summarise` is measured against in
``bench/summaries.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Sentence
from .summarise import resolve_count

METHOD = "Lead-N (first sentences)"


def summarise(sentences: Sequence[Sentence], count: int | float = 3) -> tuple[str, ...]:
    """The ids of the first ``count`` sentences (a share if a float below 1)."""
    return tuple(s.id for s in sentences[: resolve_count(len(sentences), count)])
