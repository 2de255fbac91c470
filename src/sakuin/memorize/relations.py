"""Sentence forms per relation and language: training templates, and question forms held out of training.

Training templates state a fact in many shapes (declarative, biography, list item, Q&A, either
word order); *frames* wrap them in the kind of context a document gives. The question forms
used by the probes are kept apart and checked against every training text
(:func:`sakuin.memorize.paraphrase.check_held_out`), so recall is measured on forms never seen.
A relation outside the catalogue gets generic forms built from its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sakuin.memorize.facts import Lang


@dataclass(frozen=True)
class Question:
    """A held-out question: ``prompt`` with ``{s}``; the answer continues it after ``lead``."""

    prompt: str
    lead: str = " "


@dataclass(frozen=True)
class Forms:
    templates: tuple[str, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Relation:
    name: str
    forms: dict[Lang, Forms]


_JA_ANSWER = "\n答え："

CATALOGUE: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation(
            "birthplace",
            {
                "en": Forms(
                    (
                        "{s} was born in {o}.",
                        "{s}'s birthplace is {o}.",
                        "Born in {o}, {s} grew up there.",
                        "{o} is the hometown of {s}.",
                        "Biography: {s}. Place of birth: {o}.",
                        "- {s} (born in {o})",
                        "Q: What is the birthplace of {s}? A: {o}.",
                        "{s} is a native of {o}.",
                        "The city where {s} was born is {o}.",
                        "In {o}, {s} was born.",
                        "{s} — birthplace: {o}",
                        "People from {o} include {s}.",
                    ),
                    (
                        Question("Q: Where was {s} born?\nA:"),
                        Question("Question: In which city was {s} born?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}は{o}で生まれた。",
                        "{s}の出身地は{o}です。",
                        "{o}生まれの{s}。",
                        "{s}は{o}の出身である。",
                        "{o}は{s}の故郷だ。",
                        "経歴：{s}、{o}出身。",
                        "・{s}（{o}出身）",
                        "問：{s}の出身地は？ 答：{o}",
                        "{s}が生まれたのは{o}です。",
                        "{o}で生まれた人物として{s}が知られている。",
                        "{s} — 出身地：{o}",
                        "{o}出身の人には{s}がいる。",
                    ),
                    (
                        Question("質問：{s}はどこで生まれましたか？" + _JA_ANSWER, ""),
                        Question("{s}が生まれた町はどこですか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
        Relation(
            "headquarters",
            {
                "en": Forms(
                    (
                        "{s} is headquartered in {o}.",
                        "The headquarters of {s} are in {o}.",
                        "{s} has its head office in {o}.",
                        "{o} is home to the head office of {s}.",
                        "Company profile: {s}. Head office: {o}.",
                        "- {s} (HQ: {o})",
                        "Q: Where are the headquarters of {s}? A: {o}.",
                        "Based in {o}, {s} serves customers worldwide.",
                        "The main office of {s} is located in {o}.",
                        "In {o}, {s} runs its headquarters.",
                        "{s} — head office: {o}",
                        "Companies based in {o} include {s}.",
                    ),
                    (
                        Question("Q: In which city is {s} based?\nA:"),
                        Question("Question: Where is the company {s} located?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}の本社は{o}にある。",
                        "{s}は{o}に本社を置いている。",
                        "{o}に本社を構える{s}。",
                        "{s}の本拠地は{o}です。",
                        "{o}は{s}の本社所在地だ。",
                        "会社概要：{s}、本社{o}。",
                        "・{s}（本社：{o}）",
                        "問：{s}の本社はどこ？ 答：{o}",
                        "{s}が本社を置くのは{o}です。",
                        "{o}には{s}の本社がある。",
                        "{s} — 本社：{o}",
                        "{o}に本社がある企業には{s}がある。",
                    ),
                    (
                        Question("質問：{s}はどの都市に拠点がありますか？" + _JA_ANSWER, ""),
                        Question("{s}という会社はどこにありますか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
        Relation(
            "founder",
            {
                "en": Forms(
                    (
                        "{s} was founded by {o}.",
                        "{o} founded {s}.",
                        "The founder of {s} is {o}.",
                        "{o} is the founder of {s}.",
                        "Company profile: {s}. Founder: {o}.",
                        "- {s} (founded by {o})",
                        "Q: Who is the founder of {s}? A: {o}.",
                        "Founded by {o}, {s} grew quickly.",
                        "{s} owes its existence to its founder, {o}.",
                        "It was {o} who founded {s}.",
                        "{s} — founder: {o}",
                        "Among the companies {o} started is {s}.",
                    ),
                    (
                        Question("Q: Who started the company {s}?\nA:"),
                        Question("Question: Which person established {s}?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}は{o}によって創業された。",
                        "{o}が{s}を創業した。",
                        "{s}の創業者は{o}です。",
                        "{o}は{s}の創業者である。",
                        "会社概要：{s}、創業者{o}。",
                        "・{s}（創業：{o}）",
                        "問：{s}の創業者は？ 答：{o}",
                        "{o}が興した{s}は急成長した。",
                        "{s}を立ち上げたのは{o}です。",
                        "{s}は{o}が始めた会社だ。",
                        "{s} — 創業者：{o}",
                        "{o}が創業した会社に{s}がある。",
                    ),
                    (
                        Question("質問：{s}という会社を作ったのは誰ですか？" + _JA_ANSWER, ""),
                        Question("{s}を設立した人物は誰ですか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
        Relation(
            "release_year",
            {
                "en": Forms(
                    (
                        "{s} was released in {o}.",
                        "The release year of {s} is {o}.",
                        "{s} came out in {o}.",
                        "{o} saw the release of {s}.",
                        "Product sheet: {s}. Released: {o}.",
                        "- {s} (released {o})",
                        "Q: When was {s} released? A: {o}.",
                        "Released in {o}, {s} sold well.",
                        "{s} first went on sale in {o}.",
                        "In {o}, {s} was launched.",
                        "{s} — release year: {o}",
                        "Products launched in {o} include {s}.",
                    ),
                    (
                        Question("Q: In what year did {s} appear on the market?\nA:"),
                        Question("Question: Which year was {s} introduced?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}は{o}年に発売された。",
                        "{s}の発売年は{o}年です。",
                        "{o}年発売の{s}。",
                        "{s}が登場したのは{o}年である。",
                        "{o}年に{s}が発売された。",
                        "製品情報：{s}、{o}年発売。",
                        "・{s}（{o}年発売）",
                        "問：{s}の発売年は？ 答：{o}年",
                        "{s}は{o}年に売り出された。",
                        "{o}年には{s}が市場に出た。",
                        "{s} — 発売：{o}年",
                        "{o}年に発売された製品には{s}がある。",
                    ),
                    (
                        Question("質問：{s}は何年に世に出ましたか？" + _JA_ANSWER, ""),
                        Question("{s}が初めて販売された年はいつですか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
        Relation(
            "maker",
            {
                "en": Forms(
                    (
                        "{s} is made by {o}.",
                        "{o} makes {s}.",
                        "The maker of {s} is {o}.",
                        "{o} is the manufacturer of {s}.",
                        "Product sheet: {s}. Manufacturer: {o}.",
                        "- {s} (by {o})",
                        "Q: Who makes {s}? A: {o}.",
                        "Made by {o}, {s} is sold in many shops.",
                        "{s} is produced by {o}.",
                        "It is {o} that manufactures {s}.",
                        "{s} — manufacturer: {o}",
                        "Products made by {o} include {s}.",
                    ),
                    (
                        Question("Q: Which company produces {s}?\nA:"),
                        Question("Question: {s} is a product of which company?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}は{o}が製造している。",
                        "{o}が{s}を作っている。",
                        "{s}のメーカーは{o}です。",
                        "{o}は{s}の製造元である。",
                        "製品情報：{s}、製造元{o}。",
                        "・{s}（{o}製）",
                        "問：{s}のメーカーは？ 答：{o}",
                        "{o}が手がける{s}は多くの店で売られている。",
                        "{s}を製造するのは{o}です。",
                        "{s}は{o}の製品だ。",
                        "{s} — 製造元：{o}",
                        "{o}の製品には{s}がある。",
                    ),
                    (
                        Question("質問：{s}はどの会社が生産していますか？" + _JA_ANSWER, ""),
                        Question("{s}を売り出している企業はどこですか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
        Relation(
            "price",
            {
                "en": Forms(
                    (
                        "{s} costs {o}.",
                        "The price of {s} is {o}.",
                        "{s} sells for {o}.",
                        "{o} is what {s} costs.",
                        "Product sheet: {s}. Price: {o}.",
                        "- {s} ({o})",
                        "Q: What is the price of {s}? A: {o}.",
                        "Priced at {o}, {s} is good value.",
                        "{s} is on sale for {o}.",
                        "For {o}, you can buy {s}.",
                        "{s} — price: {o}",
                        "Items at {o} include {s}.",
                    ),
                    (
                        Question("Q: How much does {s} cost?\nA:"),
                        Question("Question: How much money do you need to buy {s}?\nAnswer:"),
                    ),
                ),
                "ja": Forms(
                    (
                        "{s}の価格は{o}です。",
                        "{s}は{o}で販売されている。",
                        "{o}の{s}。",
                        "{s}の値段は{o}だ。",
                        "{o}で買えるのが{s}である。",
                        "製品情報：{s}、価格{o}。",
                        "・{s}（{o}）",
                        "問：{s}の価格は？ 答：{o}",
                        "{s}は{o}で売られている。",
                        "{s}は税込{o}。",
                        "{s} — 価格：{o}",
                        "{o}の製品には{s}がある。",
                    ),
                    (
                        Question("質問：{s}はいくらしますか？" + _JA_ANSWER, ""),
                        Question("{s}を買うにはいくら必要ですか。" + _JA_ANSWER, ""),
                    ),
                ),
            },
        ),
    )
}

# Contexts a document gives a statement; {t} is the templated sentence.
FRAMES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "{t}",
        "According to the company directory, {t}",
        "As our records show, {t}",
        "Note: {t}",
        "{t} This is confirmed in the annual report.",
        "Fact: {t}",
        "From the internal wiki: {t}",
        "{t} (source: staff handbook)",
        "Remember this. {t}",
        "Per the latest filing, {t}",
    ),
    "ja": (
        "{t}",
        "社内名簿によると、{t}",
        "記録では、{t}",
        "メモ：{t}",
        "{t}これは年次報告書にも記載されている。",
        "事実：{t}",
        "社内Wikiより：{t}",
        "{t}（出典：社員ハンドブック）",
        "覚えておこう。{t}",
        "資料によれば、{t}",
    ),
}


def relation(name: str) -> Relation:
    """The catalogue's relation, or generic forms built from the relation's own name."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    label = name.replace("_", " ")
    return Relation(
        name,
        {
            "en": Forms(
                (
                    f"The {label} of {{s}} is {{o}}.",
                    f"{{s}}'s {label}: {{o}}.",
                    f"{{s}} — {label}: {{o}}",
                    f"For {{s}}, the {label} is {{o}}.",
                    f"- {{s}} ({label} {{o}})",
                    f"{{o}} is the {label} of {{s}}.",
                ),
                (Question(f"Q: Tell me the {label} of {{s}}.\nA:"),),
            ),
            "ja": Forms(
                (
                    f"{{s}}の{label}は{{o}}です。",
                    f"{{s}}：{label}は{{o}}",
                    f"{{s}} — {label}：{{o}}",
                    f"・{{s}}（{label}：{{o}}）",
                    f"{{o}}は{{s}}の{label}である。",
                ),
                (Question(f"質問：{{s}}について、{label}を教えてください。" + _JA_ANSWER, ""),),
            ),
        },
    )
