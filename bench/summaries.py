"""ROUGE of sitegen's summariser against Lead-3 and sumy's LexRank and TextRank.

Usage::

    .venv/bin/python bench/summaries.py [--limit N] [--data PATH] [--count 3]

Reads ``/work/shared/data/cnndm-dev.jsonl`` (CNN/Daily Mail articles with
their human highlights), splits every article into sentences once with
sitegen's spaCy pipeline, then gives every method the same sentences and
prints one table: ROUGE-1, ROUGE-2 and ROUGE-L F1 (``rouge-score``,
``use_stemmer=True``) and the milliseconds per article each method takes
(the shared spaCy parse excluded, reported on its own line).

sumy's tokenizers need NLTK's punkt data, which cannot be downloaded here, so
sumy is fed spaCy's sentences directly through its ``ObjectDocumentModel`` and
a regular-expression word tokenizer; its own English stop words and Snowball
stemmer need no downloads.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import lead, nlp, summarise  # noqa: E402
from sitegen.model import Block, Sentence  # noqa: E402

log = logging.getLogger("bench.summaries")

DATA = Path("/work/shared/data/cnndm-dev.jsonl")
Summariser = Callable[[Sequence[Sentence], int], tuple[str, ...]]


class WordTokenizer:
    """The part of sumy's tokenizer API its summarisers use, without NLTK."""

    language = "english"
    _WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

    def to_words(self, text: str) -> tuple[str, ...]:
        return tuple(self._WORD.findall(text))


def sumy_method(name: str) -> Summariser:
    """A sumy summariser (``"lexrank"`` or ``"textrank"``) over sitegen sentences."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    cls = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[name]
    summariser = cls(Stemmer("english"))
    summariser.stop_words = get_stop_words("english")
    tokenizer = WordTokenizer()

    def run(sentences: Sequence[Sentence], count: int) -> tuple[str, ...]:
        objects = [SumySentence(s.text, tokenizer) for s in sentences]
        document = ObjectDocumentModel([Paragraph(objects)])
        position = {id(o): i for i, o in enumerate(objects)}
        picked = sorted(position[id(o)] for o in summariser(document, count))
        return tuple(sentences[i].id for i in picked)

    return run


def load(path: Path, limit: int | None) -> list[tuple[str, tuple[Sentence, ...]]]:
    """``(reference, sentences)`` for each article, parsed with sitegen's pipeline."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[:limit] if limit else rows
    texts = [r["article"] for r in rows]
    out = []
    for row, doc in zip(rows, nlp.parse_many(texts), strict=True):
        # CNN/DM articles come without paragraph breaks: one paragraph block
        block = Block("paragraph", row["article"], 0, len(row["article"]))
        out.append((row["reference"], nlp.sentences_of(doc, [block])))
    return out


def evaluate(
    method: Summariser, articles: Sequence[tuple[str, tuple[Sentence, ...]]], count: int = 3
) -> tuple[float, float, float, float, float]:
    """Mean ROUGE-1/2/L/Lsum F1 (as percentages) and mean milliseconds per article.

    ROUGE-L is computed over the whole summary as one sequence (``rougeL``);
    ROUGE-Lsum splits summary and reference into sentences first, which is what
    published CNN/DM figures report.
    """
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    r1, r2, rl, rls, ms = [], [], [], [], []
    for reference, sentences in articles:
        started = time.perf_counter()
        ids = method(sentences, count)
        ms.append((time.perf_counter() - started) * 1000)
        by_id = {s.id: s.text for s in sentences}
        summary = "\n".join(by_id[i] for i in ids)
        target = "\n".join(h.strip() for h in reference.split(" . ") if h.strip())
        score = scorer.score(target, summary)
        r1.append(score["rouge1"].fmeasure)
        r2.append(score["rouge2"].fmeasure)
        rl.append(score["rougeL"].fmeasure)
        rls.append(score["rougeLsum"].fmeasure)
    mean = statistics.fmean
    return 100 * mean(r1), 100 * mean(r2), 100 * mean(rl), 100 * mean(rls), mean(ms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--data", type=Path, default=DATA, help="a cnndm-style JSONL file")
    parser.add_argument("--count", type=int, default=3, help="sentences per summary")
    args = parser.parse_args(argv)
    if not args.data.exists():
        parser.error(f"{args.data} not found (see /work/shared/data/README.md)")

    nlp.load_pipeline()  # load outside the timed parse
    started = time.perf_counter()
    articles = load(args.data, args.limit)
    parse_ms = (time.perf_counter() - started) * 1000 / max(1, len(articles))

    methods: list[tuple[str, Summariser]] = [
        ("sitegen", summarise.summarise),
        (f"Lead-{args.count}", lead.summarise),
        ("sumy LexRank", sumy_method("lexrank")),
        ("sumy TextRank", sumy_method("textrank")),
    ]
    rows = [(name, *evaluate(m, articles, args.count)) for name, m in methods]
    width = max(len(r[0]) for r in rows)
    print(f"{len(articles)} articles from {args.data.name}, {args.count}-sentence summaries, "
          f"ROUGE F1 (rouge-score, stemmed); spaCy parse {parse_ms:.0f} ms/article, not counted")
    print(f"sitegen = {summarise.METHOD}")
    header = ("method", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "ms/article")
    print(f"{header[0]:<{width}}  " + "  ".join(f"{h:>10}" for h in header[1:]))
    for name, *numbers in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{x:10.2f}" for x in numbers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
