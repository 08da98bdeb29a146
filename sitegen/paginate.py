"""Splitting long listings into pages, so that no page grows with the corpus.

Two ways, both keeping the first page at the listing's usual path (links to
``articles/index.html`` stay right however large the site grows):

* :func:`paginate`: fixed-size pages in order (``articles/index.html``,
  ``articles/page/2.html``, …), for lists read from the top (newest first);
* :func:`split_by_letter`: one page per initial letter (``actors/index.html``
  for the first letter, ``actors/by-letter/b.html``, …), for indexes
  looked up by name.  Names starting with a digit or a symbol go under
  ``#``; letters are folded to ASCII (``Ö`` files under ``o``).

Each page gets a :class:`Pager` for its navigation links.  Pages live in a
sub-folder (``page/``, ``by-letter/``) so that their names cannot collide
with an article or actor page (``actors/b.html`` is the page of an actor
called "B").
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PageLink:
    label: str
    path: str
    current: bool = False


@dataclass(frozen=True)
class Pager:
    """Navigation of one page among its siblings (templates: ``pager.links``, ``.prev``, ``.next``)."""

    number: int  # 1-based
    count: int
    links: tuple[PageLink, ...]
    prev: str | None = None
    next: str | None = None
    label: str = ""  # "Page 2 of 7" or "B"


@dataclass(frozen=True)
class Page(Generic[T]):
    path: str
    items: Sequence[T]
    pager: Pager | None  # None when everything fits on one page


def page_path(first: str, number: int) -> str:
    """``articles/index.html`` for page 1, ``articles/page/N.html`` after."""
    if number == 1:
        return first
    folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
    return f"{folder}page/{number}.html"


def paginate(items: Sequence[T], per_page: int, first: str) -> list[Page[T]]:
    """``items`` in pages of ``per_page``; the first at ``first``."""
    per_page = max(1, per_page)
    count = max(1, math.ceil(len(items) / per_page))
    if count == 1:
        return [Page(first, items, None)]
    paths = [page_path(first, n) for n in range(1, count + 1)]
    pages = []
    for n in range(1, count + 1):
        links = tuple(PageLink(str(k), paths[k - 1], k == n) for k in _window(n, count))
        pager = Pager(n, count, links, paths[n - 2] if n > 1 else None, paths[n] if n < count else None,
                      f"Page {n} of {count}")
        pages.append(Page(paths[n - 1], items[(n - 1) * per_page:n * per_page], pager))
    return pages


def _window(n: int, count: int, around: int = 3) -> list[int]:
    """Page numbers to link from page ``n``: first, last and a few around ``n``."""
    shown = {1, count, *range(max(1, n - around), min(count, n + around) + 1)}
    return sorted(shown)


def initial(name: str) -> str:
    """The index letter of ``name``: ``a``–``z``, or ``#`` for anything else."""
    for ch in unicodedata.normalize("NFKD", name.strip()):
        if ch.isascii() and ch.isalpha():
            return ch.lower()
        if ch.isalnum() or not unicodedata.combining(ch):
            break
    return "#"


def letter_path(first: str, letter: str, letters: Sequence[str], part: int = 1) -> str:
    if letter == letters[0] and part == 1:
        return first
    folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
    name = "0" if letter == "#" else letter
    return f"{folder}by-letter/{name}{'' if part == 1 else f'-{part}'}.html"


def split_by_letter(items: Sequence[T], name: Callable[[T], str], first: str,
                    per_page: int | None = None) -> list[Page[T]]:
    """One page per initial letter of ``name(item)``, letters in order, ``#`` first.

    Items keep their order within a letter.  A letter with more than
    ``per_page`` items continues on further pages (``by-letter/s-2.html``),
    so that no page grows without bound.
    """
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(initial(name(item)), []).append(item)
    letters = sorted(groups, key=lambda c: (c != "#", c))
    size = max(1, per_page) if per_page else None
    parts = {c: (math.ceil(len(groups[c]) / size) if size else 1) for c in letters}
    if len(letters) <= 1 and parts.get(letters[0] if letters else "", 1) <= 1:
        return [Page(first, items, None)]
    order = [(c, k) for c in letters for k in range(1, parts[c] + 1)]
    paths = [letter_path(first, c, letters, k) for c, k in order]
    pages = []
    for i, (c, k) in enumerate(order):
        links = tuple(PageLink(x.upper(), letter_path(first, x, letters), x == c) for x in letters)
        label = c.upper() + (f" ({k} of {parts[c]})" if parts[c] > 1 else "")
        pager = Pager(i + 1, len(order), links, paths[i - 1] if i else None,
                      paths[i + 1] if i + 1 < len(order) else None, label)
        chunk = groups[c][(k - 1) * size:k * size] if size else groups[c]
        pages.append(Page(paths[i], chunk, pager))
    return pages
