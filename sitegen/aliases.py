"""Names of actors: normalising entity strings, slugs and the alias tables.

Everything here is plain data and string functions (no spaCy), so the corpus
stage can use it on cached per-article results.

The tables are deliberately small and documented in ``docs/actors.md``: they
cover country names, the common abbreviations of countries and international
bodies, and demonyms.  Merging people (surname to full name) is general and
lives in :mod:`sitegen.actors`; an editor adds anything else in
``data/actors.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

PERSON = "person"
ORGANISATION = "organisation"
COUNTRY = "country"
PLACE = "place"
GROUP = "group"
TYPES = (PERSON, ORGANISATION, COUNTRY, PLACE, GROUP)

# Sovereign states (and a few widely named territories that behave like
# countries in the news).  GPE entities named here are typed "country", every
# other GPE (cities, regions, territories such as Gaza) is a "place".
COUNTRIES = frozenset(
    """
    Afghanistan Albania Algeria Andorra Angola Argentina Armenia Australia Austria
    Azerbaijan Bahamas Bahrain Bangladesh Barbados Belarus Belgium Belize Benin Bhutan
    Bolivia Botswana Brazil Brunei Bulgaria Burundi Cambodia Cameroon Canada Chad Chile
    China Colombia Comoros Congo Croatia Cuba Cyprus Czechia Denmark Djibouti Dominica
    Ecuador Egypt Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia
    Georgia Germany Ghana Greece Grenada Guatemala Guinea Guyana Haiti Honduras Hungary
    Iceland India Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan Jordan
    Kazakhstan Kenya Kiribati Kosovo Kuwait Kyrgyzstan Laos Latvia Lebanon Lesotho
    Liberia Libya Liechtenstein Lithuania Luxembourg Madagascar Malawi Malaysia Maldives
    Mali Malta Mauritania Mauritius Mexico Micronesia Moldova Monaco Mongolia Montenegro
    Morocco Mozambique Myanmar Namibia Nauru Nepal Netherlands Nicaragua Niger Nigeria
    Norway Oman Pakistan Palau Palestine Panama Paraguay Peru Philippines Poland
    Portugal Qatar Romania Russia Rwanda Samoa Senegal Serbia Seychelles Singapore
    Slovakia Slovenia Somalia Spain Sudan Suriname Sweden Switzerland Syria Taiwan
    Tajikistan Tanzania Thailand Togo Tonga Tunisia Turkey Turkmenistan Tuvalu Uganda
    Ukraine Uruguay Uzbekistan Vanuatu Venezuela Vietnam Yemen Zambia Zimbabwe
    """.split()
) | frozenset(
    # fmt: off
    [
        "Antigua and Barbuda",
        "Bosnia and Herzegovina",
        "Burkina Faso",
        "Cabo Verde",
        "Central African Republic",
        "Costa Rica",
        "Czech Republic",
        "Dominican Republic",
        "East Timor",
        "El Salvador",
        "Equatorial Guinea",
        "Guinea-Bissau",
        "Ivory Coast",
        "Marshall Islands",
        "New Zealand",
        "North Korea",
        "North Macedonia",
        "Papua New Guinea",
        "Saint Lucia",
        "San Marino",
        "Saudi Arabia",
        "Sierra Leone",
        "Solomon Islands",
        "South Africa",
        "South Korea",
        "South Sudan",
        "Sri Lanka",
        "Trinidad and Tobago",
        "United Arab Emirates",
        "United Kingdom",
        "United States",
        "Vatican City",
    ]
    # fmt: on
)

# Abbreviations and variant names -> canonical name.  Keys are compared after
# :func:`alias_key` (case, dots, "the" and possessives do not matter).
ALIASES = {
    "us": "United States",
    "usa": "United States",
    "united states": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "uae": "United Arab Emirates",
    "emirates": "United Arab Emirates",
    "russian federation": "Russia",
    "prc": "China",
    "people s republic of china": "China",
    "un": "United Nations",
    "united nations": "United Nations",
    "security council": "UN Security Council",
    "un security council": "UN Security Council",
    "united nations security council": "UN Security Council",
    "eu": "European Union",
    "nato": "NATO",
    "idf": "Israel Defense Forces",
    "israeli defense forces": "Israel Defense Forces",
    "state department": "State Department",
    "us state department": "State Department",
    "pa": "Palestinian Authority",
    "unrwa": "UNRWA",
}

# Demonyms used as adjectives ("Israeli officials") stand for their country.
# fmt: off
DEMONYMS = {
    "afghan": "Afghanistan", "albanian": "Albania", "algerian": "Algeria",
    "american": "United States", "argentine": "Argentina", "argentinian": "Argentina",
    "armenian": "Armenia", "australian": "Australia", "austrian": "Austria",
    "azerbaijani": "Azerbaijan", "bahraini": "Bahrain", "bangladeshi": "Bangladesh",
    "belarusian": "Belarus", "belgian": "Belgium", "bolivian": "Bolivia",
    "brazilian": "Brazil", "british": "United Kingdom", "bulgarian": "Bulgaria",
    "canadian": "Canada", "chilean": "Chile", "chinese": "China", "colombian": "Colombia",
    "croatian": "Croatia", "cuban": "Cuba", "cypriot": "Cyprus", "czech": "Czechia",
    "danish": "Denmark", "dutch": "Netherlands", "egyptian": "Egypt",
    "emirati": "United Arab Emirates", "estonian": "Estonia", "ethiopian": "Ethiopia",
    "finnish": "Finland", "french": "France", "georgian": "Georgia", "german": "Germany",
    "greek": "Greece", "hungarian": "Hungary", "indian": "India", "indonesian": "Indonesia",
    "iranian": "Iran", "iraqi": "Iraq", "irish": "Ireland", "israeli": "Israel",
    "italian": "Italy", "japanese": "Japan", "jordanian": "Jordan", "kenyan": "Kenya",
    "kuwaiti": "Kuwait", "latvian": "Latvia", "lebanese": "Lebanon", "libyan": "Libya",
    "lithuanian": "Lithuania", "mexican": "Mexico", "moroccan": "Morocco",
    "nigerian": "Nigeria", "north korean": "North Korea", "norwegian": "Norway",
    "omani": "Oman", "pakistani": "Pakistan", "polish": "Poland", "portuguese": "Portugal",
    "qatari": "Qatar", "romanian": "Romania", "russian": "Russia", "saudi": "Saudi Arabia",
    "serbian": "Serbia", "south african": "South Africa", "south korean": "South Korea",
    "spanish": "Spain", "sudanese": "Sudan", "swedish": "Sweden", "swiss": "Switzerland",
    "syrian": "Syria", "taiwanese": "Taiwan", "thai": "Thailand", "tunisian": "Tunisia",
    "turkish": "Turkey", "ukrainian": "Ukraine", "venezuelan": "Venezuela",
    "vietnamese": "Vietnam", "yemeni": "Yemen",
}
# fmt: on

# Demonym-like adjectives of places that are not countries.
PLACE_ADJECTIVES = {
    "middle eastern": "Middle East",
    "european": "Europe",
    "african": "Africa",
    "asian": "Asia",
    "latin american": "Latin America",
}

# Adjectives of peoples, parties and faiths with no country: the adjective
# counts for the group ("Palestinian sovereignty" -> Palestinians).
GROUP_ADJECTIVES = {
    "palestinian": "Palestinians",
    "jewish": "Jews",
    "arab": "Arabs",
    "muslim": "Muslims",
    "christian": "Christians",
    "kurdish": "Kurds",
    "democratic": "Democrats",
    "republican": "Republicans",
    "gazan": "Gazans",
}

# Strings spaCy tags as ORG that are not actors: titles of speeches, widgets.
NOT_ACTORS = frozenset(
    {
        "state of the union",
        "reference s",
        "read",
        "like",
        "dislike",
        "whats your reaction",
    }
)

MONTHS_AND_DAYS = frozenset(
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday today yesterday "
    "tomorrow".split()
)

_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")


def ascii_fold(text: str) -> str:
    """``text`` without accents, for keys and slugs."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=1 << 16)
def alias_key(text: str) -> str:
    """The comparison key of a name: folded case, no dots, article or possessive.

    Cached: the same few thousand names are keyed again and again when the
    corpus's actors are merged and listed.
    """
    text = ascii_fold(clean_name(text)).lower().replace(".", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return _SPACE.sub(" ", text).strip()


def slugify(name: str) -> str:
    """The id of an actor called ``name``: ``Benjamin Netanyahu`` -> ``benjamin-netanyahu``.

    Dots are dropped (``U.S.`` -> ``us``) so abbreviations do not split into
    letters.
    """
    return alias_key(name).replace(" ", "-")


def clean_name(text: str) -> str:
    """An entity string trimmed to the name: no leading article, trailing possessive."""
    text = _SPACE.sub(" ", text).strip().strip(',;:()[]{}"“”‘’')
    text = re.sub(r"^(?:the|The|THE)\s+", "", text)
    if text.endswith(("s'", "s’")):  # "the United States'"
        text = text[:-1]
    else:
        text = re.sub(r"['’]s$", "", text)
    return text.strip()


def canonical(name: str) -> str:
    """The canonical spelling of ``name`` from the alias table, else ``name``."""
    return ALIASES.get(alias_key(name), name)


def is_country(name: str) -> bool:
    return name in COUNTRIES


def looks_like_name(text: str) -> bool:
    """Whether an entity string can be the name of an actor.

    Rejects what NER sometimes returns from page furniture: strings without a
    capital letter, numbers and dates, very long strings, and known non-actors.
    """
    if not text or len(text) > 80 or len(text.split()) > 8:
        return False
    if not any(c.isalpha() for c in text) or not text[0].isupper():
        return False
    if sum(c.isdigit() for c in text) > 0 and not re.search(r"[A-Za-z]{2}", text):
        return False
    key = alias_key(text)
    if not key or key in NOT_ACTORS:
        return False
    if all(w in MONTHS_AND_DAYS or w.isdigit() for w in key.split()):  # "March 14"
        return False
    if re.search(r"https?:|www\.|\.com\b|@", text):
        return False
    return True


def ends_with(longer: list[str], shorter: list[str]) -> bool:
    """Whether the words ``shorter`` end the longer name ``longer`` ("Netanyahu")."""
    return len(longer) > len(shorter) and longer[-len(shorter) :] == shorter
