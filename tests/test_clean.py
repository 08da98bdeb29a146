"""Cleaning rules: each kind of noise, on synthetic text and on the seeds."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.clean import Unit, clean_units, noise_reason, units_from_text


def clean(text: str, **known):
    return clean_units(units_from_text(text), **known)


def body(text: str, **known) -> str:
    return clean(text, **known).text


PARA = "The minister said on Monday that the talks would continue next week in Cairo."
PARA2 = "Officials from both sides met for three hours and agreed to meet again soon."


@pytest.mark.parametrize("line,reason", [
    ("[Read: Why the talks collapsed]", "cross-link to another story"),
    ("READ MORE: Why the talks collapsed", "cross-link to another story"),
    ("Become a member", "newsletter or social prompt"),
    ("Sign up for our free newsletter today", "newsletter or social prompt"),
    ("Get the best offers and updates relating to Example News.", "newsletter or social prompt"),
    ("Follow us on Twitter", "newsletter or social prompt"),
    ("HomeNewsWorldTalks resume in Cairo", "breadcrumb"),
    ("Home > World > Middle East", "breadcrumb"),
    ("Protesters gather outside parliament. (Jane Doe / AFP)", "photo caption or credit"),
    ("Photo: Jane Doe for Example News", "photo caption or credit"),
    ("The minister arrives in Cairo (Getty Images)", "photo caption or credit"),
    ("A photo of protesters outside parliament", "photo alt text"),
    ("Advertisement", "site chrome"),
    ("What's Your Reaction?", "site chrome"),
])
def test_noise_lines_are_recognised(line: str, reason: str) -> None:
    assert noise_reason(line) == reason


@pytest.mark.parametrize("line", [
    PARA,
    "Read the full statement, the minister told reporters, before deciding anything.",
    "Home prices rose by 5 percent last year, the bank said.",
    "A photo of the meeting was published by the ministry on Tuesday.",
    "The deal (signed in 2020 / 2021) was never ratified by the parliament in full.",
])
def test_content_lines_are_kept(line: str) -> None:
    assert noise_reason(line) is None


def test_date_line_fused_into_first_paragraph_becomes_metadata() -> None:
    c = clean(f" date 2024-03-26 {PARA}\n\n{PARA2}")
    assert c.date == dt.date(2024, 3, 26)
    assert c.blocks[0].text == PARA
    assert "date" in c.inferred


def test_published_line_gives_date() -> None:
    c = clean(f"Published: March 26, 2024\n{PARA}")
    assert c.date == dt.date(2024, 3, 26)
    assert c.text == PARA


def test_reference_block_becomes_title_and_source() -> None:
    c = clean(f"{PARA}\n{PARA2}\nReference(s):\nTalks resume in Cairo after a week\nexample.com")
    assert c.title == "Talks resume in Cairo after a week"
    assert c.source == "example.com"
    assert "Reference" not in c.text and "example.com" not in c.text


def test_repeated_headline_and_dek() -> None:
    c = clean(f"Talks Resume in Cairo\n\nBoth sides say progress is possible.\n\nTalks Resume in Cairo\n\n{PARA}")
    assert c.title == "Talks Resume in Cairo"
    assert c.dek == "Both sides say progress is possible."
    assert c.text == PARA


def test_known_title_is_removed_even_with_other_quotes() -> None:
    c = clean(f"Biden’s Talks Resume\n\n{PARA}", title="Biden's Talks Resume")
    assert c.text == PARA


def test_section_headings_are_headings_not_sentences() -> None:
    c = clean(f"{PARA}\n\nLooking Ahead\n\n{PARA2}")
    assert [b.kind for b in c.blocks] == ["paragraph", "heading", "paragraph"]
    assert c.blocks[1].text == "Looking Ahead"


def test_teaser_of_other_story_is_dropped() -> None:
    c = clean(f"Mayor Opens New Bridge Downtown\n\nCity, ST — In a ceremony on Friday, the mayor cut...\n\n{PARA}")
    assert c.text == PARA
    assert any("teaser" in r for r in c.removed)


def test_reaction_widget_at_the_end_is_dropped() -> None:
    c = clean(f"{PARA}\n\nWhat's Your Reaction?\n\nlike\n\ndislike\n\nlove\n\nsad")
    assert c.text == PARA


def test_alt_text_and_caption_are_dropped() -> None:
    c = clean(f"{PARA}\n\nA view of the harbour at dusk\nBoats wait in the harbour. (Jane Doe / Reuters)\n\n{PARA2}")
    assert c.text == f"{PARA}\n\n{PARA2}"


def test_offsets_index_into_cleaned_text() -> None:
    c = clean(f"Become a member\n\n{PARA}\n\nLooking Ahead\n\n{PARA2}")
    for b in c.blocks:
        assert c.text[b.start:b.end] == b.text


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = ("The minister said on Monday that the talks would continue\nnext week in Cairo, "
            "where both delegations have offices.\n\n" + PARA2)
    assert [u.text for u in units_from_text(text)][0].endswith("have offices.")


def test_markup_headings_are_trusted() -> None:
    c = clean_units([Unit("Why it matters", 1, "heading", 2), Unit(PARA, 3, "paragraph")])
    assert c.blocks[0].kind == "heading"


# ---- the seeds: no noise named in shared/seeds/README.md survives ----------

SEED_NOISE = {
    "000": ["date 2024-03-26"],
    "001": ["Reference(s)", "cgtn.com"],
    "002": ["[Read:", "A photo of humanitarian aid", "Hannah McKay", "What's Your Reaction", "dislike"],
    "003": ["Become a member", "Get the best offers", "Philadelphia", "HomeNews", "Rally in Philadelphia"],
    "004": [],
}


@pytest.mark.parametrize("seed", sorted(SEED_NOISE))
def test_seed_noise_is_removed(seed_texts: dict[str, str], seed: str) -> None:
    text = body(seed_texts[seed])
    for noise in SEED_NOISE[seed]:
        assert noise not in text, f"{seed}: {noise!r} left in the body"


def test_seed_metadata_inferred(seed_texts: dict[str, str]) -> None:
    assert clean(seed_texts["000"]).date == dt.date(2024, 3, 26)
    c1 = clean(seed_texts["001"])
    assert c1.title == "Clashing interests determine fragility of U.S.-Israel alliance"
    assert c1.source == "cgtn.com"
    c2 = clean(seed_texts["002"])
    assert c2.title == "The United States and Israel Are Coming Apart"
    assert c2.dek.startswith("The disagreements aren")
    assert "Coming Apart" not in c2.text
    c3 = clean(seed_texts["003"])
    assert c3.title.replace("’", "'") == "Biden's Balancing Act: Support for Israel Amid Gaza Crisis"
    assert c3.text.startswith("President Joe Biden maintains")


@pytest.mark.parametrize("seed,headings", [
    ("000", ["Breaking Down the Conflict", "Political Implications and Reactions", "Looking Ahead"]),
    ("004", ["Shifts in Diplomatic Stance", "International Reactions and Criticisms",
             "Implications for U.S.-Israel Relations"]),
    ("001", []),
])
def test_seed_section_headings(seed_texts: dict[str, str], seed: str, headings: list[str]) -> None:
    assert [b.text for b in clean(seed_texts[seed]).blocks if b.kind == "heading"] == headings


def test_seed_quotes_and_last_paragraph_survive(seed_texts: dict[str, str]) -> None:
    text = body(seed_texts["004"])
    assert "Blinken said, “We share Israel’s goal" in text
    assert body(seed_texts["002"]).rstrip().endswith("U.S. and Israeli interests coincide.")
