"""Deterministic benchmark corpora made from the real articles in ``/work/shared/data``.

``make_corpus(n, folder)`` writes ``n`` Markdown articles with front matter
into ``folder``.  The first ~530 are the real articles (126 CNN/Daily Mail
articles and the three Timeline17 H1N1 topics); beyond that each real article
is reused with deterministic edits (a paragraph dropped, paragraphs rotated,
an update line added, the date moved) so that every file's content hash is
different while the text stays real news prose.  Same ``n``, same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

DATA = Path("/work/shared/data")
_SENT = re.compile(r"(?<=[.!?'\"’”])\s+(?=[A-Z‘“\"'])")


def _paragraphs(text: str, per: int = 3) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip()
    # Timeline17 texts are tokenised ("it 's", "word ,"): undo the common cases.
    text = re.sub(r" ([,.;:!?%)])", r"\1", text).replace("( ", "(").replace(" 's", "'s").replace(" n't", "n't")
    text = text.replace("`` ", '"').replace(" ''", '"')
    sents = [s for s in _SENT.split(text) if s.strip()]
    return [" ".join(sents[i:i + per]) for i in range(0, len(sents), per)]


def real_articles(data: Path = DATA) -> list[dict]:
    """The real articles, in a fixed order: title, date, source, paragraphs."""
    out: list[dict] = []
    cnndm = data / "cnndm-dev.jsonl"
    if cnndm.is_file():
        for i, line in enumerate(cnndm.read_text(encoding="utf-8").splitlines()):
            rec = json.loads(line)
            paras = _paragraphs(rec["article"])
            source = "CNN" if rec["id"].startswith("cnn") else "Daily Mail"
            out.append({"title": " ".join(paras[0].split()[:10]).rstrip(",.;:") if paras else f"Article {i}",
                        "date": dt.date(2015, 1, 1) + dt.timedelta(days=i * 2), "source": source,
                        "url": rec["url"], "paragraphs": paras})
    for topic in sorted((data / "t17-dev").glob("*/articles.json")):
        source = topic.parent.name.split("_", 1)[-1].title()
        for rec in json.loads(topic.read_text(encoding="utf-8")):
            paras = _paragraphs(rec["text"])
            if len(paras) < 2:
                continue
            out.append({"title": " ".join(paras[0].split()[:10]).rstrip(",.;:"),
                        "date": dt.date.fromisoformat(rec["dct"][:10]), "source": source,
                        "url": f"https://example.org/{topic.parent.name}/{rec['uid']}", "paragraphs": paras})
    if not out:
        raise SystemExit(f"no articles found under {data}")
    return out


def variant(base: dict, k: int) -> dict:
    """Copy ``k`` (0 = the original) of a real article, deterministically edited."""
    if k == 0:
        return base
    paras = list(base["paragraphs"])
    if len(paras) > 3:
        del paras[k % len(paras)]
    r = k % max(1, len(paras))
    paras = paras[r:] + paras[:r] if k % 2 else paras
    paras.append(f"This is update {k} of the report, published {k * 3} days after the first version.")
    return {**base, "title": f"{base['title']} (update {k})", "date": base["date"] + dt.timedelta(days=k * 3),
            "url": f"{base['url']}?v={k}", "paragraphs": paras}


def article_markdown(rec: dict, slug: str) -> str:
    title = rec["title"].replace("\\", "").replace('"', "'")  # a YAML double-quoted string
    # The slug is given: titles made of an article's first words repeat across sources.
    front = (f'---\ntitle: "{title}"\ndate: {rec["date"].isoformat()}\nsource: {rec["source"]}\n'
             f"url: {rec['url']}\nslug: {slug}\n---\n\n")
    return front + "\n\n".join(rec["paragraphs"]) + "\n"


def make_corpus(n: int, folder: Path, data: Path = DATA) -> list[Path]:
    """Write ``n`` articles into ``folder/content`` (and a sitegen.yaml); return their paths."""
    base = real_articles(data)
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    (folder / "sitegen.yaml").write_text(f"site:\n  title: Benchmark briefing ({n} articles)\n", encoding="utf-8")
    paths = []
    for i in range(n):
        rec = variant(base[i % len(base)], i // len(base))
        path = content / f"a{i:05d}.md"
        path.write_text(article_markdown(rec, path.stem), encoding="utf-8")
        paths.append(path)
    return paths


def edit_one(path: Path) -> None:
    """Change one article's text (append a sentence), as an editor would."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n\nOfficials added on Friday that the review would continue.\n",
                    encoding="utf-8")
