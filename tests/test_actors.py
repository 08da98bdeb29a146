"""Tests of the actor analysis (sitegen.actors and its helpers)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from sitegen.actors import (
    ActorIdError,
    ArticleActor,
    Mention,
    Overrides,
    OverridesError,
    Quote,
    article_actors,
    decide_type,
    load_overrides,
    merge_actors,
    parse_overrides,
)
from sitegen.aliases import canonical, clean_name, looks_like_name, slugify
from sitegen.model import Block

SEEDS = Path("/work/shared/seeds")


def crude_clean(raw: str) -> tuple[str, tuple[Block, ...]]:
    """A stand-in for sitegen.clean: lines as blocks, short or unpunctuated ones as headings.

    Duplicated lines (repeated titles) and truncated teasers ("...") are
    dropped; other furniture (newsletter prompts, photo credits, cross-links)
    is kept on purpose so the actor filters are exercised.
    """
    text, blocks, seen = "", [], set()
    for line in raw.splitlines():
        line = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s*", "", line).strip()
        if not line or line in seen or line.endswith("..."):
            continue
        seen.add(line)
        words = len(line.split())
        kind = "paragraph" if words >= 6 and line[-1] in '.?!”")' else "heading"
        if text:
            text += "\n\n"
        blocks.append(Block(kind, line, len(text), len(text) + len(line)))
        text += line
    return text, tuple(blocks)


# -- helpers -------------------------------------------------------------------


def paragraphs(*paras: str) -> tuple[str, tuple[Block, ...]]:
    text, blocks = "", []
    for p in paras:
        if text:
            text += "\n\n"
        blocks.append(Block("paragraph", p, len(text), len(text) + len(p)))
        text += p
    return text, tuple(blocks)


def analyse(text: str, blocks: tuple[Block, ...]) -> tuple[ArticleActor, ...]:
    from sitegen import nlp

    doc = nlp.parse(text)
    return article_actors(doc, nlp.sentences_of(doc, blocks))


def actors_of(*paras: str) -> dict[str, ArticleActor]:
    return {a.id: a for a in analyse(*paragraphs(*paras))}


@pytest.fixture(scope="module")
def seed_articles() -> list[tuple[str, tuple[ArticleActor, ...]]]:
    return [
        (p.stem[:3], analyse(*crude_clean(p.read_text(encoding="utf-8"))))
        for p in sorted(SEEDS.glob("*.txt"))
    ]


@pytest.fixture(scope="module")
def seed_actors(seed_articles) -> dict[str, object]:
    return {a.id: a for a in merge_actors(seed_articles)}


# -- names and aliases (no spaCy) ------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("U.S.", "United States"),
        ("the United States'", "United States"),
        ("America", "United States"),
        ("US", "United States"),
        ("Security Council", "UN Security Council"),
        ("UN", "United Nations"),
        ("Hamas", "Hamas"),
    ],
)
def test_alias_table(text: str, name: str) -> None:
    assert canonical(clean_name(text)) == name


def test_slugs() -> None:
    assert slugify("Benjamin Netanyahu") == "benjamin-netanyahu"
    assert slugify("U.S. State Department") == "us-state-department"
    assert slugify("Gideon Sa’ar") == slugify("Gideon Saar") == "gideon-saar"
    assert slugify("José Martí") == "jose-marti"


@pytest.mark.parametrize(
    "text", ["2024", "March 14", "like", "what's your reaction", "www.cgtn.com", "", "cgtn.com"]
)
def test_not_names(text: str) -> None:
    assert not looks_like_name(text)


def test_type_voting_ties_and_majority() -> None:
    assert decide_type({"person": 6, "place": 7}) == "place"
    assert decide_type({"person": 4, "place": 4}) == "place"  # the small model calls places people
    assert decide_type({"person": 1, "organisation": 1}) == "person"
    assert decide_type({}) == "organisation"
    # pairs: a type named twice is summed; a later type wins only with strictly more
    assert decide_type([("person", 2), ("place", 1), ("place", 1)]) == "place"
    assert decide_type([("group", 3), ("person", 1), ("person", 1)]) == "group"
    assert decide_type([("group", 0)]) == "country"  # voted, all at zero: the first of the tie order


def _aa(name: str, type_: str, n: int = 1, votes=None, sentence: str = "s1", **kw) -> ArticleActor:
    mentions = tuple(Mention(name, i * 10, i * 10 + len(name), sentence) for i in range(n))
    return ArticleActor(
        slugify(name),
        name,
        type_,
        mentions=mentions,
        votes=tuple((votes or {type_: n}).items()),
        **kw,
    )


def test_pool_votes_again_when_it_grows_or_is_split() -> None:
    from sitegen.actor_merge import _Pool

    pool = _Pool("rafah", [("a", _aa("Rafah", "person", 2))])
    assert (pool.type, pool.name) == ("person", "Rafah")
    pool.parts.append(("b", _aa("Rafah City", "place", 3)))
    assert (pool.type, pool.name) == ("place", "Rafah City")
    pool.parts = pool.parts[:1]  # a split keeps a subset
    assert (pool.type, pool.name) == ("person", "Rafah")
    pool.forced_type = "organisation"
    assert pool.type == "organisation"


def test_type_is_voted_over_the_whole_corpus() -> None:
    actors = merge_actors(
        [
            ("a", (_aa("Rafah", "person", 2),)),
            ("b", (_aa("Rafah", "place", 3),)),
        ]
    )
    (rafah,) = actors
    assert rafah.type == "place" and rafah.mention_count == 5 and rafah.articles == ("a", "b")


def test_surnames_merge_across_articles_only_when_one_person_fits() -> None:
    actors = {
        a.id: a
        for a in merge_actors(
            [
                (
                    "a",
                    (
                        _aa("Joe Biden", "person"),
                        _aa("Kamala Harris", "person"),
                        _aa("Kris Harris", "person"),
                    ),
                ),
                ("b", (_aa("Biden", "person", 2), _aa("Harris", "person"))),
            ]
        )
    }
    assert "biden" not in actors and actors["joe-biden"].mention_count == 3
    assert "harris" in actors  # two Harrises: no guess


def test_related_actors_ranked_by_shared_sentences() -> None:
    a = (
        _aa("Joe Biden", "person", sentence="s1"),
        _aa("Israel", "country", sentence="s1"),
        _aa("Iran", "country", sentence="s2"),
    )
    b = (
        _aa("Joe Biden", "person", sentence="s4"),
        _aa("Israel", "country", sentence="s4"),
        _aa("Iran", "country", sentence="s4"),
    )
    actors = {x.id: x for x in merge_actors([("a", a), ("b", b)])}
    assert actors["joe-biden"].related == ("israel", "iran")
    assert actors["iran"].related == ("israel", "joe-biden")  # ties by id


# -- one article (spaCy) ----------------------------------------------------------


def test_related_actors_capped_and_quotes_kept_once() -> None:
    from sitegen.actor_merge import MAX_RELATED
    from sitegen.actor_model import Quote

    names = [f"Country {chr(65 + i)}{chr(65 + j)}" for i in range(5) for j in range(5)]
    crowd = tuple(_aa(n, "country", sentence="s1") for n in names)
    again = tuple(_aa(n, "country", sentence="s2") for n in names[::-1][:3])  # three share two sentences
    said = _aa("Ann Lee", "person", sentence="s3", quotes=(Quote("We will wait.", "s3"),))
    said_again = _aa("Ann Lee", "person", sentence="s5",
                     quotes=(Quote("We will wait.", "s5"), Quote("No comment.", "s5")))
    actors = {x.id: x for x in merge_actors([("a", crowd + (said,)), ("b", again + (said_again,))])}
    related = actors[slugify(names[-1])].related
    assert len(related) == MAX_RELATED
    assert related[:2] == (slugify(names[-3]), slugify(names[-2]))  # two shared sentences, then by id
    assert related[2:] == tuple(sorted(slugify(n) for n in names[:-3]))[:MAX_RELATED - 2]
    assert [(q.text, q.article) for q in actors["ann-lee"].quotes] == [("We will wait.", "a"), ("No comment.", "b")]
    assert actors["ann-lee"].related == ()


def test_name_variants_are_one_actor() -> None:
    actors = actors_of(
        "Israeli Prime Minister Benjamin Netanyahu met U.S. officials in Jerusalem on Monday.",
        "Netanyahu later said the United States' position had changed, and America disagreed.",
    )
    bibi = actors["benjamin-netanyahu"]
    assert [m.text for m in bibi.mentions] == ["Benjamin Netanyahu", "Netanyahu"]
    assert "netanyahu" not in actors
    us = actors["united-states"]
    assert us.type == "country" and len(us.mentions) == 3
    assert {m.text for m in us.mentions} == {"U.S.", "United States", "America"}


def test_demonyms_attach_to_their_country_plurals_stay_groups() -> None:
    actors = actors_of(
        "Israeli officials met Iranian diplomats and senior Saudi officials in Geneva.",
        "Palestinians protested outside, and Israelis watched the talks closely.",
    )
    assert actors["israel"].type == "country" and actors["israel"].mentions[0].text == "Israeli"
    assert actors["iran"].type == "country"
    assert actors["saudi-arabia"].type == "country"
    assert actors["palestinians"].type == "group"
    assert actors["israelis"].type == "group"


@pytest.mark.parametrize(
    "sentence, person, role",
    [
        (
            "Senate Majority Leader Chuck Schumer urged new elections in the region.",
            "chuck-schumer",
            "Senate Majority Leader",
        ),
        (
            "Israel's Defense Minister Yoav Gallant flew to Washington on Sunday.",
            "yoav-gallant",
            "Israel's Defense Minister",
        ),
        (
            "The resignation of conservative Minister Gideon Saar shook the government.",
            "gideon-saar",
            "Minister",
        ),
        (
            "Natan Sachs of the Brookings Institution notes that the vote was close.",
            "natan-sachs",
            "of the Brookings Institution",
        ),
        (
            "National Security Council spokesperson John Kirby spoke to reporters.",
            "john-kirby",
            "National Security Council spokesperson",
        ),
        (
            "More recently, first Vice President Kamala Harris called for a cease-fire.",
            "kamala-harris",
            "Vice President",
        ),
        (
            "The talks recalled disagreements with former President Obama over Iran.",
            "obama",
            "former President",
        ),
        (
            "Josep Borrell, the European Union’s High Representative for Foreign Affairs, spoke in Brussels.",
            "josep-borrell",
            "European Union’s High Representative for Foreign Affairs",
        ),
        (
            "The country's top diplomat, Antony Blinken, arrived in Cairo.",
            "antony-blinken",
            "country's top diplomat",
        ),
    ],
)
def test_roles_from_the_parse(sentence: str, person: str, role: str) -> None:
    actors = actors_of(sentence)
    assert actors[person].type == "person"
    assert role in [r.text for r in actors[person].roles]
    assert all(r.sentence == "s1" for r in actors[person].roles)


def test_title_words_are_not_actors() -> None:
    actors = actors_of(
        "U.S. Secretary of State Antony Blinken met Defense Minister Yoav Gallant in Tel Aviv.",
    )
    assert "state" not in actors and "defense" not in actors
    assert {"antony-blinken", "yoav-gallant", "united-states", "tel-aviv"} <= set(actors)


def test_quote_after_with_pronoun_resolved_to_previous_subject() -> None:
    actors = actors_of(
        "In a statement, State Department spokesperson Vedant Patel expressed deep concern. "
        "“We deplore today’s attack on the training center,” he said, marking a shift.",
    )
    assert actors["vedant-patel"].quotes == (
        Quote("We deplore today’s attack on the training center", "s2"),
    )


def test_he_declared_resolves_across_a_possessive_subject() -> None:
    actors = actors_of(
        "Joe Biden spoke to Benjamin Netanyahu on Thursday.",
        "Netanyahu’s current approach suggests a preference for force. "
        "“Israel must fight until it achieves complete victory,” he declared.",
    )
    assert [q.text for q in actors["benjamin-netanyahu"].quotes] == [
        "Israel must fight until it achieves complete victory"
    ]
    assert actors["joe-biden"].quotes == ()


def test_quote_before_with_straight_quotes() -> None:
    actors = actors_of(
        'Antony Blinken said, "We share the goal of defeating Hamas. A ground operation is not the way."'
    )
    (q,) = actors["antony-blinken"].quotes
    assert q.text.startswith("We share the goal") and q.text.endswith("not the way.")


def test_quoted_clause_after_speech_verb_and_that() -> None:
    actors = actors_of(
        "Josep Borrell claimed that “Hamas was financed by the Israeli government.”",
        "Joe Biden bluntly warned Israel that “humanitarian assistance cannot be a bargaining chip.”",
    )
    assert [q.text for q in actors["josep-borrell"].quotes] == [
        "Hamas was financed by the Israeli government."
    ]
    assert [q.sentence for q in actors["joe-biden"].quotes] == ["s2"]


def test_scare_quotes_are_not_quotes() -> None:
    actors = actors_of(
        "President Joe Biden maintains an “ironclad” commitment to Israel.",
        "Chuck Schumer urged new elections because Benjamin Netanyahu has “lost his way,” "
        "and threatens to turn Israel into “a pariah” among nations.",
        "Benjamin Netanyahu insisted that Israel will maintain “overall security responsibility” in Gaza.",
    )
    assert all(not a.quotes for a in actors.values())


def test_page_furniture_is_not_actors() -> None:
    actors = actors_of(
        "Get the best offers and updates relating to Liberty Case News.",
        "Humanitarian aid falls in Gaza. (Hannah McKay / Reuters)",
        "[Read: Benjamin Netanyahu is Israel’s worst prime minister ever]",
        "Israel has failed to open the Kerem Shalom crossing for aid transfers.",
    )
    assert "liberty-case-news" not in actors
    assert "hannah-mckay" not in actors and "reuters" not in actors
    assert "benjamin-netanyahu" not in actors
    assert actors["kerem-shalom"].type == "place"


def test_article_actor_json_and_plain_data() -> None:
    (a,) = [
        x for x in analyse(*paragraphs("Benjamin Netanyahu spoke.")) if x.id == "benjamin-netanyahu"
    ]
    assert a.to_json() == {
        "id": "benjamin-netanyahu",
        "name": "Benjamin Netanyahu",
        "type": "person",
        "roles": [],
        "mentions": [{"text": "Benjamin Netanyahu", "start": 0, "end": 18}],
        "quotes": [],
    }
    assert pickle.loads(pickle.dumps(a)) == a  # cacheable: no spaCy objects inside


# -- the seed articles ---------------------------------------------------------------

SEED_PEOPLE = {
    "benjamin-netanyahu": "Israeli Prime Minister",
    "joe-biden": "President",
    "antony-blinken": "Secretary of State",
    "vedant-patel": "State Department spokesperson",
    "josep-borrell": "High Representative for Foreign Affairs and Security Policy",
    "chuck-schumer": "Senate Majority Leader",
    "yoav-gallant": "Defense Minister",
    "gideon-saar": "Minister",
    "natan-sachs": "of the Brookings Institution",
    "john-kirby": "National Security Council spokesperson",
    "kamala-harris": "Vice President",
    "obama": "former President",
    "eisenhower": None,  # "the Eisenhower administration": no role in the text
    "trump": None,
}


def test_seed_people_once_each_with_their_roles(seed_actors) -> None:
    people = {i for i, a in seed_actors.items() if a.type == "person"}
    assert people == set(SEED_PEOPLE)
    for person, role in SEED_PEOPLE.items():
        roles = [r.text for r in seed_actors[person].roles]
        if role is None:
            assert roles == [], person
        else:
            assert any(role in r for r in roles), (person, roles)
    assert seed_actors["benjamin-netanyahu"].role == "Israeli Prime Minister"
    assert seed_actors["joe-biden"].aliases == ("Biden",)  # "Biden" alone merged into the full name
    assert len(seed_actors["joe-biden"].articles) == 5


def test_seed_places_and_countries(seed_actors) -> None:
    for place in (
        "gaza",
        "rafah",
        "khan-younis",
        "washington",
        "tel-aviv",
        "tehran",
        "west-bank",
        "middle-east",
        "kerem-shalom",
    ):
        assert seed_actors[place].type == "place", place
    for country in (
        "israel",
        "united-states",
        "iran",
        "lebanon",
        "saudi-arabia",
        "egypt",
        "russia",
        "china",
    ):
        assert seed_actors[country].type == "country", country
    assert {"U.S.", "American"} <= set(seed_actors["united-states"].aliases)
    assert seed_actors["palestinians"].type == "group"
    for org in (
        "hamas",
        "hezbollah",
        "un-security-council",
        "state-department",
        "brookings-institution",
    ):
        assert seed_actors[org].type == "organisation", org


def test_seed_noise_is_not_actors(seed_actors) -> None:
    noise = {
        "hannah-mckay",
        "reuters",
        "liberty-case-news",
        "defense",
        "state",
        "state-of-the-union",
        "philadelphia",
        "cgtn",
        "cgtn-com",
        "like",
        "the-atlantic",
        "homenewsdefensebiden",
    }
    assert not noise & set(seed_actors)
    assert all(looks_like_name(a.name) for a in seed_actors.values())
    assert len(seed_actors) == len({a.id for a in seed_actors.values()})


def test_seed_quotes_attributed(seed_actors) -> None:
    quotes = {(a.id, q.text[:30], q.article) for a in seed_actors.values() for q in a.quotes}
    assert quotes == {
        ("vedant-patel", "We deplore today’s attack on t", "001"),
        ("benjamin-netanyahu", "Israel must fight until it ach", "001"),
        ("josep-borrell", "Hamas was financed by the Isra", "001"),
        ("joe-biden", "humanitarian assistance cannot", "002"),
        ("antony-blinken", "We share Israel’s goal of defe", "004"),
    }


def test_seed_related(seed_actors) -> None:
    assert "brookings-institution" in seed_actors["natan-sachs"].related
    assert seed_actors["joe-biden"].related[0] == "israel"


# -- data/actors.yaml ---------------------------------------------------------------

EXAMPLE = """\
actors:
  benjamin-netanyahu:
    role: Prime Minister of Israel
    description: Israel's longest-serving prime minister.
  Obama:
    name: Barack Obama
  world-central-kitchen:
    type: organisation
  likud:
    hide: true
  israel:
    aliases: [Tel Aviv]
"""


def test_overrides_parse() -> None:
    o = parse_overrides(EXAMPLE, "data/actors.yaml")
    assert [e.key for e in o.actors] == [
        "benjamin-netanyahu",
        "obama",
        "world-central-kitchen",
        "likud",
        "israel",
    ]
    assert o.get("obama").name == "Barack Obama" and o.get("obama").where == "data/actors.yaml:5"
    assert o.get("likud").hide is True and o.get("israel").aliases == ("Tel Aviv",)
    assert o.warnings == ()


def test_overrides_errors_name_file_and_line() -> None:
    text = """\
actors:
  rafah:
    type: city
  likud:
    hide: "yes please"
  kamala-harris:
    split:
      - articles: [003]
      - name: Kris Harris
  obama:
    nmae: Barack Obama
"""
    with pytest.raises(OverridesError) as err:
        parse_overrides(text, "data/actors.yaml")
    lines = str(err.value).splitlines()
    assert lines[0].startswith("data/actors.yaml:3: actors.rafah.type: expected one of person,")
    assert "data/actors.yaml:5: actors.likud.hide: expected true or false" in lines[1]
    assert lines[2] == "data/actors.yaml:8: actors.kamala-harris.split[0]: a split needs a name"
    assert lines[3].startswith(
        "data/actors.yaml:9: actors.kamala-harris.split[1]: a split needs articles or aliases"
    )
    assert len(lines) == 4  # the unknown key is a warning, not an error


def test_overrides_unknown_key_warns_and_duplicates_fail() -> None:
    o = parse_overrides("actors:\n  obama:\n    nmae: Barack Obama\n")
    assert [str(w) for w in o.warnings] == [
        "data/actors.yaml:3: actors.obama.nmae: unknown key (expected one of name, type, role, description, aliases, hide, split)"
    ]
    with pytest.raises(OverridesError, match=r"data/actors.yaml:4: actors.Obama: given twice"):
        parse_overrides("actors:\n  Obama:\n    hide: true\n  Obama:\n    hide: false\n")
    with pytest.raises(OverridesError, match="both about 'obama'"):
        parse_overrides("actors:\n  Obama:\n    hide: true\n  obama:\n    hide: false\n")
    with pytest.raises(OverridesError, match=r"^x.yaml:3: not valid YAML"):
        parse_overrides("actors:\n  - [\n", "x.yaml")


def test_load_overrides_file(tmp_path) -> None:
    assert load_overrides(tmp_path / "missing.yaml") == Overrides(
        path=str(tmp_path / "missing.yaml")
    )
    bad = tmp_path / "actors.yaml"
    bad.write_text("actors:\n  rafah:\n    type: town\n", encoding="utf-8")
    with pytest.raises(OverridesError, match=rf"^{bad}:3: actors.rafah.type"):
        load_overrides(bad)


def test_overrides_applied_to_the_seeds(seed_articles) -> None:
    actors = {a.id: a for a in merge_actors(seed_articles, parse_overrides(EXAMPLE))}
    bibi = actors["benjamin-netanyahu"]
    assert (
        bibi.role == "Prime Minister of Israel"
        and bibi.description == "Israel's longest-serving prime minister."
    )
    assert "obama" not in actors and actors["barack-obama"].name == "Barack Obama"
    assert actors["barack-obama"].roles[0].text == "former President"
    assert actors["world-central-kitchen"].type == "organisation"
    assert "likud" not in actors and all("likud" not in a.related for a in actors.values())
    assert "tel-aviv" not in actors and "Tel Aviv" in actors["israel"].aliases


def test_split_and_rename_collision() -> None:
    per = [
        ("a", (_aa("Kamala Harris", "person"),)),
        ("b", (_aa("Harris", "person", 2),)),
        ("c", (_aa("Harris", "person"),)),
    ]
    merged = {a.id: a for a in merge_actors(per)}
    assert merged["kamala-harris"].mention_count == 4
    split = parse_overrides(
        "actors:\n  kamala-harris:\n    split:\n      - name: Kris Harris\n        articles: [b]\n"
    )
    merged = {a.id: a for a in merge_actors(per, split)}
    assert merged["kamala-harris"].articles == ("a", "c")
    assert merged["kris-harris"].articles == ("b",) and merged["kris-harris"].name == "Kris Harris"
    clash = parse_overrides("actors:\n  harris:\n    name: Kamala Harris\n")
    per2 = [("a", (_aa("Kamala Harris", "person"), _aa("Harris", "organisation")))]
    with pytest.raises(
        ActorIdError, match="'harris' and 'kamala-harris'|'kamala-harris' and 'harris'"
    ):
        merge_actors(per2, clash)


def test_docs_example_is_valid() -> None:
    doc = Path(__file__).parent.parent / "docs" / "actors.md"
    block = re.search(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "docs/actors.md has a yaml example"
    o = parse_overrides(block.group(1), "docs/actors.md")
    assert o.actors and o.warnings == ()


@pytest.mark.parametrize(
    "text, speaker, quote",
    [
        (
            "“We will not stop,” said Antony Blinken on Friday.",
            "antony-blinken",
            "We will not stop",
        ),
        (
            "Kamala Harris arrived in Cairo. She told reporters: “The talks are going well.”",
            "kamala-harris",
            "The talks are going well.",
        ),
        (
            "The State Department said, “We are reviewing the report.”",
            "state-department",
            "We are reviewing the report.",
        ),
        (
            "Antony Blinken, who said “the door is open,” left Cairo.",
            "antony-blinken",
            "the door is open",
        ),
    ],
)
def test_more_attribution_patterns(text: str, speaker: str, quote: str) -> None:
    assert [q.text for q in actors_of(text)[speaker].quotes] == [quote]


def test_serve_builds_again_only_actors_whose_inputs_changed() -> None:
    from dataclasses import replace

    from sitegen.actor_overrides import parse_overrides
    from sitegen.cache import Memory, memory_kept

    a = (_aa("Joe Biden", "person", 2), _aa("Israel", "country", sentence="s1"))
    b = (_aa("Israel", "country", sentence="s4"), _aa("Iran", "country", sentence="s4"))
    c = (_aa("Hamas", "group", sentence="s2"),)
    corpus = [("a", a), ("b", b), ("c", c)]
    memory = Memory()

    def served(per_article, overrides=None):
        with memory_kept(memory):
            out = merge_actors(per_article, overrides)
        memory.sweep()
        assert out == merge_actors(per_article, overrides)  # the same as without a memo
        return {x.id: x for x in out}

    first = served(corpus)
    again = served(corpus)
    assert all(again[k] is first[k] for k in first)  # nothing changed: the very same actors
    # b edited (new article actors): Israel and Iran change; Joe Biden and Hamas are kept
    edited = served([("a", a), ("b", (replace(b[0], mentions=b[0].mentions * 2), b[1])), ("c", c)])
    assert edited["joe-biden"] is first["joe-biden"] and edited["hamas"] is first["hamas"]
    assert edited["israel"].mention_count == 3 and edited["israel"] is not first["israel"]
    # the same parts with other related actors, or under other slugs, are built again
    related = served([("a", a), ("b", b), ("c", c + (_aa("Qatar", "country", sentence="s2"),))])
    assert related["hamas"].related == ("qatar",)
    renamed = served([("a", a), ("b", b), ("z", c)])
    assert renamed["hamas"].articles == ("z",)
    # the editor's role and description count too
    served(corpus)
    overrides = parse_overrides("actors:\n  hamas:\n    role: militant group\n    description: Rules Gaza.\n")
    edited_entry = served(corpus, overrides)
    assert (edited_entry["hamas"].role, edited_entry["hamas"].description) == ("militant group", "Rules Gaza.")


def test_serve_votes_and_counts_co_mentions_again_only_for_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside sitegen serve a pool of the same parts keeps the last build's type and
    name, and only the articles whose actors (or their corpus ids) changed have their
    shared sentences counted again; every merge equals one without any memo."""
    import random
    from dataclasses import replace

    from sitegen import actor_merge
    from sitegen.cache import Memory, memory_kept

    rnd = random.Random(7)
    names = [("Joe Biden", "person"), ("Biden", "person"), ("Israel", "country"), ("Hamas", "group"),
             ("Rafah", "place"), ("Rafah", "person"), ("Antony Blinken", "person"), ("Blinken", "person"),
             ("Qatar", "country"), ("Iran", "country"), ("United Nations", "organisation")]

    def article() -> tuple[ArticleActor, ...]:
        out = {}
        for name, type_ in rnd.sample(names, rnd.randint(2, 6)):
            out[slugify(name)] = _aa(name, type_, rnd.randint(1, 3), sentence=f"s{rnd.randint(1, 3)}")
        return tuple(out.values())

    corpus = [(f"a{k}", article()) for k in range(12)]
    voted, counted = [], []
    real_vote, real_pairs = actor_merge._Pool._vote_name, actor_merge._article_pairs
    monkeypatch.setattr(actor_merge._Pool, "_vote_name", lambda self: voted.append(self.key) or real_vote(self))
    monkeypatch.setattr(actor_merge, "_article_pairs", lambda slug, owned: counted.append(slug) or real_pairs(slug, owned))
    memory = Memory()
    overrides = parse_overrides("actors:\n  hamas:\n    hide: true\n")

    def served(per_article):
        voted.clear()
        counted.clear()
        with memory_kept(memory):
            out = merge_actors(per_article, overrides)
        memory.sweep()
        done = (list(voted), list(counted))
        assert out == merge_actors(per_article, overrides)  # the same as without a memo
        return done

    takers = {"joe-biden", "antony-blinken"}  # voted again after a surname joins them, every build
    assert len(served(corpus)[1]) == 12
    votes, counts = served(corpus)
    assert set(votes) <= takers and counts == []  # nothing changed: nothing else voted or counted again
    for step in range(12):
        k = rnd.randrange(len(corpus))
        if step % 4 == 3:  # an article removed, or one added
            corpus = corpus[:k] + corpus[k + 1:] if len(corpus) > 8 else corpus + [(f"n{step}", article())]
            served(corpus)
            continue
        slug, actors = corpus[k]
        changed = [replace(a, mentions=a.mentions * 2) if i == 0 else a for i, a in enumerate(actors)]
        corpus[k] = (slug, tuple(changed))
        votes, counts = served(corpus)
        assert slug in counts and len(counts) < len(corpus)  # the edited article, and the few whose ids moved
        assert set(votes) <= {slugify(a.name) for a in actors} | takers
