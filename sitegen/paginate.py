"""Splitting long listings into pages, so that no page grows with the corpus.

Two ways, both keeping the first page at the listing's usual path (links to
``articles/index.html`` stay right however large the site grows):

* :func:`paginate`: fixed-size pages in order (``articles/index.html``,
  ``articles/page/2.html``, …), for lists read from the top (newest first);
* :func:`split_by_letter`: one page per initial letter (``actors/index.html``
  for the first letter, ``actors/by-letter/b.html``, …), for indexes
  looked up by name.  Names starting with a digit or a symbol go under
  ``#``; letters are folded to ASCII (``Ö`` files under ``o``);
* :func:`split_by_group`, the same for any grouping: the timeline by year
  (``timeline/index.html`` for the first year, ``timeline/by-year/2016.html``, …).

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
    return group_path(first, "0" if letter == "#" else letter, "0" if letters[0] == "#" else letters[0], part,
                      "by-letter")


def group_path(first: str, group: str, first_group: str, part: int, folder: str) -> str:
    """``first`` for the first group's first page; ``FOLDER/GROUP.html``, ``FOLDER/GROUP-2.html`` after."""
    if group == first_group and part == 1:
        return first
    base = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
    return f"{base}{folder}/{group}{'' if part == 1 else f'-{part}'}.html"


def split_by_letter(items: Sequence[T], name: Callable[[T], str], first: str,
                    per_page: int | None = None) -> list[Page[T]]:
    """One page per initial letter of ``name(item)``, letters in order, ``#`` first.

    Items keep their order within a letter.  A letter with more than
    ``per_page`` items continues on further pages (``by-letter/s-2.html``),
    so that no page grows without bound.
    """
    return split_by_group(items, lambda item: initial(name(item)), first, per_page, folder="by-letter",
                          order=lambda c: (c != "#", c), file_name=lambda c: "0" if c == "#" else c,
                          label=str.upper)


def split_by_group(items: Sequence[T], group: Callable[[T], str], first: str, per_page: int | None = None, *,
                   folder: str, order: Callable[[str], object] | None = None,
                   file_name: Callable[[str], str] = str, label: Callable[[str], str] = str) -> list[Page[T]]:
    """One page per group of items (``group(item)``), groups in ``order`` (default: as they come).

    The first group's page is ``first``; the others ``FOLDER/NAME.html``.  A
    group with more than ``per_page`` items continues on ``NAME-2.html``, …
    Everything in one group on one page: a single page with no pager.
    """
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(group(item), []).append(item)
    keys = sorted(groups, key=order) if order is not None else list(groups)
    size = max(1, per_page) if per_page else None
    parts = {c: (math.ceil(len(groups[c]) / size) if size else 1) for c in keys}
    if len(keys) <= 1 and parts.get(keys[0] if keys else "", 1) <= 1:
        return [Page(first, items, None)]
    names = {c: file_name(c) for c in keys}
    order_of = [(c, k) for c in keys for k in range(1, parts[c] + 1)]
    paths = [group_path(first, names[c], names[keys[0]], k, folder) for c, k in order_of]
    pages = []
    for i, (c, k) in enumerate(order_of):
        links = tuple(PageLink(label(x), group_path(first, names[x], names[keys[0]], 1, folder), x == c) for x in keys)
        text = label(c) + (f" ({k} of {parts[c]})" if parts[c] > 1 else "")
        pager = Pager(i + 1, len(order_of), links, paths[i - 1] if i else None,
                      paths[i + 1] if i + 1 < len(order_of) else None, text)
        chunk = groups[c][(k - 1) * size:k * size] if size else groups[c]
        pages.append(Page(paths[i], chunk, pager))
    return pages
