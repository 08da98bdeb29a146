"""Cleaning: from the text units of a saved web page to an article's blocks.

Text saved from the web carries site chrome around the story: newsletter
prompts, breadcrumbs, teasers of other stories, ``[Read: …]`` cross-links,
photo alt text and captions with credits, reaction widgets, a repeated
headline, a fused date line, a trailing ``Reference(s):`` block.  This module
removes that noise by general rules over *units* (a line or paragraph of the
input) and recognises the headline, dek, date line and section headings.

No library does this for plain text (trafilatura does it for HTML, using the
markup we do not have here), so the rules are written by hand.  Each rule
looks at the shape of a unit (length, final punctuation, capitalisation,
position) or at wording that is site chrome on any site; none names a
particular article.  Every dropped unit is recorded with the rule that
dropped it, so ``sitegen build -v`` can show what was removed and why.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Block

# --------------------------------------------------------------------------
# Units in, blocks out


@dataclass(frozen=True)
class Unit:
    """One line or paragraph of input with the line it starts on.

    ``kind`` is ``"heading"`` when the source markup says so (Markdown ``#``,
    HTML ``<h2>``), ``"paragraph"`` when markup says so, else ``None`` and the
    cleaner decides.
    """

    text: str
    line: int
    kind: str | None = None
    level: int = 0


@dataclass
class Cleaned:
    """What the cleaner found: body blocks, metadata and what it dropped."""

    blocks: list[Block]
    title: str | None = None
    dek: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    removed: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    # The input unit each block came from (same order as ``blocks``).
    units: list[Unit] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


# --------------------------------------------------------------------------
# Text helpers

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_TERMINAL = tuple('.!?…"\'”’)')
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Fold case, quotes and spacing, to compare repeated lines."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _WS.sub(" ", text).strip().casefold()


def words(text: str) -> list[str]:
    return text.split()


def ends_like_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "is", "of", "on",
    "or", "over", "the", "to", "vs", "with", "amid", "after", "before", "about", "than", "via",
}


def title_case_share(text: str) -> float:
    """Share of the non-small words that start with a capital letter."""
    ws = [w.strip("\"'“”‘’()[]:,;") for w in words(text)]
    ws = [w for w in ws if w and w.lower() not in _SMALL_WORDS]
    if not ws:
        return 0.0
    return sum(1 for w in ws if w[0].isupper() or w[0].isdigit()) / len(ws)


def looks_like_heading(text: str) -> bool:
    """A short line with no closing punctuation, starting with a capital.

    Headlines and section headings share this shape; the cleaner tells them
    apart by position.
    """
    ws = words(text)
    return (
        0 < len(ws) <= 14
        and not ends_like_sentence(text)
        and not text.rstrip().endswith((",", ";", ":"))
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘")
    )


# --------------------------------------------------------------------------
# Chrome and noise rules.  Each returns a reason string or None.

# Whole units that are site chrome on any site (compared after normalise()).
_CHROME_LINES = {
    "advertisement", "skip to content", "skip to main content", "share", "share this",
    "share this article", "tweet", "email", "print", "comments", "comment", "related",
    "related articles", "related stories", "read more", "more stories", "recommended",
    "sign in", "log in", "subscribe", "menu", "search", "close", "follow us", "listen",
    "listen to this article", "view comments", "back to top", "loading...", "loading",
    "story continues below advertisement", "continue reading", "most read", "trending",
    "what's your reaction?", "what is your reaction?", "your reaction?", "like", "dislike",
}

# Calls to action of newsletters, memberships and social widgets.  What
# prose also says ("Register to vote today", "Share prices on Monday …") is
# only a prompt in a short line (_SHORT_PROMPT, at most 8 words).
_PROMPT = re.compile(
    r"""^(?:
        become\ a\ (?:member|subscriber|supporter)
      | (?:sign\ up|subscribe|register)\b.*\b(?:newsletter|updates|inbox|e-?mails?)\b
      | get\ the\ (?:best|latest)\ (?:offers|news|updates|stories)
      | join\ (?:our|the)\ (?:newsletter|mailing\ list|community)
      | (?:follow|like)\ us\ on\b
      | download\ (?:our|the)\ app\b
      | support\ (?:our|independent)\ journalism
      | (?:enter\ your\ email|by\ signing\ up)\b
      | this\ (?:article|story)\ (?:was\ )?(?:originally\ )?(?:appeared|published)\ (?:in|on)\b
      | (?:copyright|©)\ .*\ all\ rights\ reserved
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# "[Read: …]", "[Related: …]", "READ MORE: …" cross-links to other stories.
_SHORT_PROMPT = re.compile(
    r"^(?:(?:sign\ up|subscribe)(?:\ (?:now|today|here|for\ free))|(?:share|tweet)\ (?:this|on)\b|click\ here\b)",
    re.IGNORECASE | re.VERBOSE,
)
_CROSS_LINK = re.compile(
    r"^\s*(?:\[\s*)?(?:read|related|see\ also|also\ read|read\ more|more|watch|listen|recommended|opinion)"
    r"\s*[:\-–—]\s*.+?(?:\])?\s*$",
    re.IGNORECASE | re.VERBOSE,
)
_BRACKETED = re.compile(r"^\s*\[[^\[\]]+\]\s*$")

# A caption ends with a credit in parentheses: "(Hannah McKay / Reuters)",
# "(AP Photo/Jane Doe)", "(Getty Images)"; or starts "Photo: …".
_CREDIT_AGENCIES = (
    r"Reuters|AP|AFP|Getty(?:\ Images)?|EPA|Bloomberg|Xinhua|Anadolu|Shutterstock|Alamy|"
    r"AP\ Photo|Associated\ Press|Pool|Handout|Courtesy|File|Wikimedia(?:\ Commons)?"
)
_CAPTION_CREDIT = re.compile(
    r"\(\s*(?:[A-Z][^()/]{0,58}?\s*/\s*[A-Z][^()]{0,58}?|(?:photo|image|credit|pictured)\b[^()]*|(?:"
    + _CREDIT_AGENCIES
    + r")[^()]*)\s*\)\s*$",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION_PREFIX = re.compile(
    r"^(?:photo|image|picture|credit|photograph|illustration|video|caption)\s*(?:credit)?\s*[:|]",
    re.IGNORECASE,
)
# Alt text of an image, saved as a line of its own: "A photo of …".
_ALT_TEXT = re.compile(
    r"^(?:an?\ |the\ )?(?:photo(?:graph)?|image|picture|illustration|screenshot|video\ still|"
    r"file\ photo|portrait|close-up)\s+(?:of|shows|showing)\b",
    re.IGNORECASE | re.VERBOSE,
)
# "HomeNewsDefense…" (crumbs glued when saved) or "Home > News > Defense".
_BREADCRUMB = re.compile(r"^(?:Home(?:[A-Z][a-z]+){1,}|Home\s*[>/»›|]\s*\S)")
# A date line at the very start: " date 2024-03-26 Recent…", "Published: March 26, 2024".
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE_VALUE = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?P<mdy>(?:" + _MONTHS + r")\.?\s+\d{1,2},?\s+\d{4})"
    r"|(?P<dmy>\d{1,2}\s+(?:" + _MONTHS + r")\.?\s+\d{4})"
)
_DATE_LINE = re.compile(
    r"^\s*(?:(?:date|dated|published|posted|updated|last\ updated)\s*(?:on)?\s*[:\-–—]?\s*)"
    r"(?:" + _DATE_VALUE + r")\s*[|:\-–—]?\s*",
    re.IGNORECASE | re.VERBOSE,
)
_BARE_DATE_LINE = re.compile(r"^\s*(?:" + _DATE_VALUE + r")\s*$", re.IGNORECASE)
_REFERENCES = re.compile(r"^\s*(?:references?|reference\(s\)|sources?|source\(s\))\s*:?\s*$", re.I)
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/\S*)?$", re.I)
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*$")


def parse_date_text(text: str) -> dt.date | None:
    """A calendar date written as ISO, "March 26, 2024" or "26 March 2024"."""
    text = text.strip().rstrip(".")
    text = re.sub(r"[T ]\d{2}:\d{2}.*$", "", text) if re.match(r"\d{4}-\d{2}-\d{2}", text) else text
    for fmt in ("%Y-%m-%d", "%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text.replace("Sept", "Sep"), fmt).date()
        except ValueError:
            continue
    return None


def _date_from(match: re.Match[str]) -> dt.date | None:
    value = match.group("iso") or match.group("mdy") or match.group("dmy")
    return parse_date_text(value) if value else None


def noise_reason(text: str) -> str | None:
    """Why a unit is site noise on its own, or None if it may be content."""
    norm = normalise(text)
    if not norm:
        return "empty"
    if norm in _CHROME_LINES:
        return "site chrome"
    if _BRACKETED.match(text) or (_CROSS_LINK.match(text) and len(words(text)) <= 25 and not ends_like_sentence(text.rstrip("]"))):
        return "cross-link to another story"
    if len(words(text)) <= 30 and _PROMPT.match(norm) or len(words(text)) <= 8 and _SHORT_PROMPT.match(norm):
        return "newsletter or social prompt"
    if _BREADCRUMB.match(text):
        return "breadcrumb"
    if len(words(text)) <= 40 and (_CAPTION_CREDIT.search(text) or _CAPTION_PREFIX.match(text)):
        return "photo caption or credit"
    if len(words(text)) <= 25 and _ALT_TEXT.match(text) and not ends_like_sentence(text):
        return "photo alt text"
    return None


# --------------------------------------------------------------------------
# The cleaner


MAX_ROUNDS = 4


def clean_units(
    units: Sequence[Unit],
    *,
    title: str | None = None,
    dek: str | None = None,
) -> Cleaned:
    """Clean a document given as units; ``title``/``dek`` are known facts.

    The passes, in order: the date line, the trailing reference block and
    widgets, unit-level noise, teasers, the headline and dek (repeated or
    leading), and finally headings versus paragraphs.

    Removing a unit can expose another (a widget run that ended in a line
    another rule took; a second date line), so the passes are repeated on
    what they kept, with the title and dek found so far as known facts, until
    nothing changes: cleaning is idempotent (tests/test_properties.py).
    """
    out = _clean_once(units, title=title, dek=dek)
    for _ in range(MAX_ROUNDS - 1):
        kept = [Unit(b.text, u.line, u.kind, u.level) for b, u in zip(out.blocks, out.units)]
        again = _clean_once(kept, title=title or out.title, dek=dek or out.dek)
        if [(b.kind, b.text) for b in again.blocks] == [(b.kind, b.text) for b in out.blocks]:
            break
        out.blocks, out.units = again.blocks, again.units
        out.removed.extend(again.removed)
        for name in ("title", "dek", "date", "source", "url"):
            if getattr(out, name) is None and getattr(again, name) is not None:
                setattr(out, name, getattr(again, name))
                if name in again.inferred and name not in out.inferred:
                    out.inferred.append(name)
    return out


def _clean_once(units: Sequence[Unit], *, title: str | None, dek: str | None) -> Cleaned:
    """One round of the passes of :func:`clean_units`."""
    out = Cleaned(blocks=[])
    items: list[Unit] = [u for u in units if u.text.strip()]
    removed: list[str] = out.removed

    def drop(unit: Unit, reason: str) -> None:
        removed.append(f"line {unit.line}: {reason}: {unit.text.strip()[:80]}")

    # 1. A date line at the top ("date 2024-03-26 …", "Published March 26, 2024").
    for i, unit in enumerate(items[:3]):
        m = _DATE_LINE.match(unit.text) or _BARE_DATE_LINE.match(unit.text)
        if m and (d := _date_from(m)):
            out.date = d
            out.inferred.append("date")
            rest = unit.text[m.end():].strip() if m.re is _DATE_LINE else ""
            removed.append(f"line {unit.line}: date line: {unit.text[:m.end()].strip()}")
            if rest:
                items[i] = Unit(rest, unit.line, unit.kind, unit.level)
            else:
                del items[i]
            break

    # 2. A trailing "Reference(s):" block turns into metadata.
    for i in range(len(items) - 1, max(-1, len(items) - 8), -1):
        if _REFERENCES.match(items[i].text):
            tail = items[i + 1:]
            drop(items[i], "reference block")
            for ref in tail:
                m = _DOMAIN.match(ref.text.strip())
                if m:
                    out.source = out.source or m.group(1).lower().removeprefix("www.")
                    out.url = out.url or (ref.text.strip() if ref.text.strip().startswith("http") else None)
                    drop(ref, "reference: source")
                elif looks_like_heading(ref.text) or len(words(ref.text)) <= 20:
                    out.title = out.title or ref.text.strip()
                    drop(ref, "reference: title")
                else:
                    drop(ref, "reference")
            if out.source:
                out.inferred.append("source")
            if out.title:
                out.inferred.append("title")
            del items[i:]
            break

    # 3. A reaction widget or a run of one-word lines at the end.
    end = len(items)
    while end > 0 and len(words(items[end - 1].text)) <= 2 and not ends_like_sentence(items[end - 1].text):
        end -= 1
    if len(items) - end >= 3 or (end < len(items) and normalise(items[end].text) in _CHROME_LINES):
        for unit in items[end:]:
            drop(unit, "reaction widget")
        del items[end:]

    # 4. Unit-level noise, and teasers: a truncated paragraph ("… visited...")
    # announcing another story, with the headline line just before it.
    kept: list[Unit] = []
    for unit in items:
        if unit.kind != "heading" and (reason := noise_reason(unit.text)):
            drop(unit, reason)
            if reason == "photo caption or credit" and kept and kept[-1].kind is None:
                prev = kept[-1]
                # Alt text saved just above its caption: a short line that is not a sentence.
                if not ends_like_sentence(prev.text) and len(words(prev.text)) <= 20:
                    drop(kept.pop(), "photo alt text")
            continue
        if _TRUNCATED.search(unit.text) and len(words(unit.text)) <= 80:
            drop(unit, "teaser of another story")
            if kept and looks_like_heading(kept[-1].text):
                drop(kept.pop(), "teaser headline")
            continue
        kept.append(unit)
    items = kept

    # 5. The headline and dek.
    known_title = normalise(title) if title else None
    known_dek = normalise(dek) if dek else None
    head_zone = items[:8]
    counts: dict[str, int] = {}
    for unit in head_zone:
        counts[normalise(unit.text)] = counts.get(normalise(unit.text), 0) + 1
    repeated = [u for u in head_zone if counts[normalise(u.text)] > 1 and looks_like_heading(u.text)]
    headline_norm = known_title
    if repeated and not known_title:
        headline_norm = normalise(repeated[0].text)
        out.title = repeated[0].text.strip()
        out.inferred.append("title")
    elif not known_title and not out.title and items and (
        items[0].kind == "heading" and items[0].level <= 1
        or (items[0].kind is None and looks_like_heading(items[0].text) and len(items) > 1
            and not looks_like_heading(items[1].text) and title_case_share(items[0].text) >= 0.6)
    ):
        # A leading headline-shaped line with body text under it.
        headline_norm = normalise(items[0].text)
        out.title = items[0].text.strip()
        out.inferred.append("title")
    if headline_norm:
        positions = [i for i, u in enumerate(items[:8]) if normalise(u.text) == headline_norm]
        if len(positions) >= 2 and not known_dek:
            between = items[positions[0] + 1:positions[1]]
            if len(between) == 1 and len(words(between[0].text)) <= 40:
                out.dek = between[0].text.strip()
                out.inferred.append("dek")
                known_dek = normalise(out.dek)
        kept = []
        for i, unit in enumerate(items):
            n = normalise(unit.text)
            if i < 8 and n == headline_norm:
                drop(unit, "headline")
            elif i < 8 and known_dek and n == known_dek:
                drop(unit, "dek")
            else:
                kept.append(unit)
        items = kept

    # 6. Headings versus paragraphs, and offsets into the cleaned text.
    # Lines at the very end that are not sentences head nothing: they are
    # chrome ("More from Example News", topic links).  The whole run of them
    # goes, not only the last one, or cleaning the result again would take
    # the next (idempotence: tests/test_properties.py).
    tail = len(items)
    while tail > 0 and items[tail - 1].kind is None and looks_like_heading(_WS.sub(" ", items[tail - 1].text).strip()):
        tail -= 1
    pos = 0
    for i, unit in enumerate(items):
        text = _WS.sub(" ", unit.text).strip()
        if unit.kind:
            kind = unit.kind
        elif i >= tail:
            drop(unit, "trailing line that is not a sentence")
            continue
        elif looks_like_heading(text) and i + 1 < len(items) and not looks_like_heading(items[i + 1].text):
            kind = "heading"
        else:
            kind = "paragraph"
        if kind == "heading" and out.blocks and out.blocks[-1].kind == "heading":
            # Two headings in a row: the first heads nothing.
            prev = out.blocks.pop()
            out.units.pop()
            removed.append(f"empty section heading: {prev.text}")
            pos = prev.start - 2 if out.blocks else 0  # back to the end of the block before it
        if out.blocks:
            pos += 2  # the blank line between blocks
        out.blocks.append(Block(kind, text, pos, pos + len(text)))
        out.units.append(unit)
        pos += len(text)
    while out.blocks and out.blocks[-1].kind == "heading":
        out.units.pop()
        removed.append(f"empty section heading: {out.blocks.pop().text}")
    return out


def units_from_text(text: str, first_line: int = 1) -> list[Unit]:
    """Split plain text into units: one per line, hard-wrapped lines joined.

    Text saved from a browser has one paragraph per line.  When a file is
    hard-wrapped instead (blank lines between paragraphs, lines inside a
    paragraph that do not end a sentence) the lines of a paragraph are joined.
    """
    lines = text.split("\n")
    # Only a file that separates paragraphs by blank lines can be hard-wrapped.
    wrapped = any(not line.strip() for line in lines[:-1])
    units: list[Unit] = []
    current: list[str] = []
    start = first_line
    for n, raw in enumerate(lines, start=first_line):
        line = raw.strip()
        if not line:
            if current:
                units.append(Unit(" ".join(current), start))
                current = []
            continue
        if current and wrapped and _continues(current[-1], line):
            current.append(line)
            continue
        if current:
            units.append(Unit(" ".join(current), start))
        current = [line]
        start = n
    if current:
        units.append(Unit(" ".join(current), start))
    return units


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues a hard-wrapped paragraph ending in ``previous``."""
    return (
        len(previous) >= 50
        and not ends_like_sentence(previous)
        and not previous.endswith(":")
        and line[:1].islower()
        and not _DOMAIN.match(line)
    )
