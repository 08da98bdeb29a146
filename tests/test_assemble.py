"""The assemble stage's per-article maps: actor ids and mention links."""

from __future__ import annotations

from types import SimpleNamespace

from sitegen.actor_model import ArticleActor, Mention
from sitegen.assemble import MentionLink, _id_map_and_links


def analysis(slug: str, *actors: ArticleActor) -> SimpleNamespace:
    return SimpleNamespace(article=SimpleNamespace(slug=slug), actors=actors)


def actor(aid: str, *mentions: tuple[str, int, str]) -> ArticleActor:
    return ArticleActor(aid, aid.title(), "person",
                        mentions=tuple(Mention(text, start, start + len(text), sid) for text, start, sid in mentions))


def test_serve_keeps_an_articles_links_while_its_actors_and_their_owners_stay() -> None:
    a = analysis("a", actor("biden", ("Biden", 0, "s1"), ("Joe Biden", 20, "s2")), actor("gaza", ("Gaza", 10, "s1")))
    b = analysis("b", actor("biden", ("Biden", 5, "s1"), ("Biden", 30, "s3")), actor("hamas", ("Hamas", 12, "s1")))
    owner = {("a", "s1", "Biden"): "joe-biden", ("a", "s2", "Joe Biden"): "joe-biden",
             ("a", "s1", "Gaza"): "gaza", ("b", "s1", "Biden"): "joe-biden", ("b", "s3", "Biden"): "hunter-biden"}
    last: dict = {}
    ids, links = _id_map_and_links([a, b], owner, last)
    assert (ids, links) == _id_map_and_links([a, b], owner)  # the same as without a memo
    assert ids == {("a", "biden"): "joe-biden", ("a", "gaza"): "gaza", ("b", "biden"): "joe-biden"}
    assert links["a"] == (MentionLink(0, 5, "joe-biden"), MentionLink(10, 14, "gaza"), MentionLink(20, 29, "joe-biden"))
    again = _id_map_and_links([a, b], dict(owner), last)
    assert again == (ids, links) and again[1]["a"] is links["a"] and again[1]["b"] is links["b"]
    # An owner changes: that article is made again, the other kept.
    moved = dict(owner) | {("b", "s1", "Biden"): "hunter-biden", ("b", "s1", "Hamas"): "hamas"}
    changed = _id_map_and_links([a, b], moved, last)
    assert changed == _id_map_and_links([a, b], moved)
    assert changed[0][("b", "biden")] == "hunter-biden" and changed[1]["b"][1] == MentionLink(12, 17, "hamas")
    assert changed[1]["a"] is links["a"]
    # Equal actors in a new object (the article analysed again): made again, equal.
    a2 = analysis("a", *a.actors[::-1])
    reordered = _id_map_and_links([a2, b], moved, last)
    assert reordered == _id_map_and_links([a2, b], moved) and reordered[1]["a"] is not links["a"]
    assert reordered[1]["a"] == links["a"]

