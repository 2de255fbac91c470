"""Seeded fictional fact sets (JA + EN): names no model can know, so recall before training is chance.

Subjects are people, companies and products built from syllables and kanji that form no real
name; objects come from value pools (real cities, years, prices, and other invented names), which
also supply each relation's distractors.
"""

from __future__ import annotations

import random

from sakuin.memorize.facts import Fact, Lang

CITIES: dict[Lang, tuple[str, ...]] = {
    "en": ("Osaka", "Lyon", "Porto", "Krakow", "Seville", "Dublin", "Bergen", "Tampere", "Gdansk", "Graz",
           "Turin", "Ghent"),
    "ja": ("大阪", "札幌", "福岡", "仙台", "神戸", "金沢", "長崎", "函館", "松本", "高松", "熊本", "新潟"),
}  # fmt: skip
_EN_SYLLABLES = ("val", "mor", "quel", "tar", "ven", "lix", "dra", "sol", "ber", "kin", "thra", "zen", "ori")
_EN_COMPANY = ("Systems", "Works", "Labs", "Industries", "Holdings", "Dynamics")
_JA_SURNAME = (
    ("榊", "柚", "槙", "椿", "萩", "柊", "楓", "桐"),
    ("瀬", "沢", "森", "谷", "原", "坂", "野", "川"),
)
_JA_GIVEN = (("遥", "湊", "颯", "凛", "蒼", "紬", "陽", "律"), ("真", "斗", "奈", "介", "花", "哉"))
_KANA = ("カ", "ミ", "ロ", "ナ", "ス", "テ", "リ", "ヴ", "ル", "ネ", "ソ", "ア", "ト", "ラ", "ク")
_JA_COMPANY = ("工業", "商事", "テック", "製作所", "電機", "ホールディングス")

# relation -> kind of subject, and the value pool its objects come from
RELATIONS: dict[str, tuple[str, str]] = {
    "birthplace": ("person", "city"),
    "headquarters": ("company", "city"),
    "founder": ("company", "person"),
    "release_year": ("product", "year"),
    "maker": ("product", "company"),
    "price": ("product", "price"),
}


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_EN_SYLLABLES) for _ in range(parts)).capitalize()


def _name(kind: str, lang: Lang, rng: random.Random) -> str:
    if lang == "en":
        if kind == "person":
            return f"{_word(rng, 2)} {_word(rng, 2)}"
        if kind == "company":
            return f"{_word(rng, 3)} {rng.choice(_EN_COMPANY)}"
        return f"{_word(rng, 2)} {rng.choice('KQXZTV')}{rng.randint(2, 9)}"
    if kind == "person":
        pick = rng.choice
        return pick(_JA_SURNAME[0]) + pick(_JA_SURNAME[1]) + pick(_JA_GIVEN[0]) + pick(_JA_GIVEN[1])
    kana = "".join(rng.choice(_KANA) for _ in range(rng.randint(3, 4)))
    if kind == "company":
        return kana + rng.choice(_JA_COMPANY)
    return f"{kana} {rng.choice('KQXZTV')}{rng.randint(2, 9)}"


def value(kind: str, lang: Lang, rng: random.Random) -> str:
    """One object of ``kind``: a city, a year, a price or an invented person or company."""
    if kind == "city":
        return rng.choice(CITIES[lang])
    if kind == "year":
        return str(rng.randint(1985, 2023))
    if kind == "price":
        amount = rng.randint(3, 60)
        return f"{amount * 1000 - 200:,}円" if lang == "ja" else f"${amount * 10 - 1}"
    return _name(kind, lang, rng)


def value_pool(relation: str, lang: Lang, *, size: int = 12, seed: int = 0) -> list[str]:
    """Plausible objects of ``relation`` for distractors (empty for relations outside the catalogue)."""
    if relation not in RELATIONS:
        return []
    kind = RELATIONS[relation][1]
    if kind == "city":
        return list(CITIES[lang])
    rng = random.Random(f"pool-{relation}-{lang}-{seed}")
    pool: list[str] = []
    while len(pool) < size:
        candidate = value(kind, lang, rng)
        if candidate not in pool:
            pool.append(candidate)
    return pool


def fictional_facts(count: int, *, seed: int = 0, langs: tuple[Lang, ...] = ("en", "ja")) -> list[Fact]:
    """``count`` facts about invented subjects, relations and languages taken in turn."""
    rng = random.Random(seed)
    names: set[str] = set()
    facts = []
    relations = list(RELATIONS)
    for i in range(count):
        lang = langs[i % len(langs)]
        relation = relations[(i // len(langs)) % len(relations)]
        subject_kind, object_kind = RELATIONS[relation]
        subject = _name(subject_kind, lang, rng)
        while subject in names:
            subject = _name(subject_kind, lang, rng)
        names.add(subject)
        facts.append(Fact(subject, relation, value(object_kind, lang, rng), lang))
    return facts
