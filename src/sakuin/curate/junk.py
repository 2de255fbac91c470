"""Kinds of junk a crawl really contains, made from good paragraphs: labelled data without hand labels.

Each generator takes a good paragraph and a seeded random source and returns a bad document of
one kind, about as long as the paragraph, on the paragraph's own topic (so a judge cannot tell
junk from good text by topic). ``benchmarks/curate.py`` and the tests rank good paragraphs
against these; a user can do the same for a rubric of their own.

- ``navigation``: a page of menus, breadcrumbs, login links and legal footers (JA + EN).
- ``keyword_spam``: the paragraph's own keywords strung together with shop words.
- ``seo_template``: fill-in-the-blank search-engine text ("{keyword}なら当サイトにお任せ").
- ``repeated``: one sentence of the paragraph repeated, as broken generators and scrapers emit.
- ``truncated``: the paragraph cut off in the middle of its first sentence.
- ``shuffled``: the paragraph's words in random order: the right vocabulary, no sense.
- ``mojibake``: the paragraph's UTF-8 bytes decoded as Shift_JIS or Latin-1.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from sakuin.curate.text import words

Generator = Callable[[str, random.Random], str]
_KEYWORD = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff々]{2,}|[A-Za-z][A-Za-z-]{3,}")


def keywords(paragraph: str) -> list[str]:
    """Runs of kanji or katakana (and longer Latin words): the nouns a spammer would target."""
    found = list(dict.fromkeys(_KEYWORD.findall(paragraph)))
    return found or ["情報"]


def navigation(paragraph: str, rng: random.Random) -> str:
    topic = rng.choice(keywords(paragraph))
    menus = [
        f"ホーム > {topic} > 一覧",
        "ログイン | 会員登録 | マイページ | カートを見る",
        "Home | About | Contact | Login | Sign up",
        "利用規約 | プライバシーポリシー | お問い合わせ | サイトマップ",
        "このサイトではCookieを使用しています。詳しくはこちら",
        "Click here to accept cookies. Read more",
        f"{topic}の記事一覧 | 次のページ | 前のページ | ページの先頭へ",
        "© 2024 All rights reserved. 無断転載を禁じます。",
        "JavaScriptを有効にしてください。",
        "シェアする | ツイート | いいね！",
    ]
    rng.shuffle(menus)
    return "\n".join(menus[: rng.randint(5, len(menus))])


def keyword_spam(paragraph: str, rng: random.Random) -> str:
    found = keywords(paragraph)
    shop = ["激安", "最安値", "通販", "おすすめ", "ランキング", "口コミ", "人気", "送料無料", "格安", "比較"]
    return " ".join(rng.choice(found) + " " + rng.choice(shop) for _ in range(max(8, len(paragraph) // 12)))


def seo_template(paragraph: str, rng: random.Random) -> str:
    keyword = rng.choice(keywords(paragraph))
    lines = [
        f"{keyword}なら当サイトにお任せください！",
        f"{keyword}の口コミ・評判・最安値情報を毎日更新中。",
        f"人気の{keyword}ランキングTOP10を徹底比較しました。",
        f"{keyword}をお探しの方は今すぐチェック！",
        f"{keyword}のおすすめ情報をまとめて紹介します。",
        f"Looking for the best {keyword}? Compare prices and reviews of {keyword} now!",
        f"{keyword}に関するお得なキャンペーン実施中。詳しくはこちら。",
    ]
    rng.shuffle(lines)
    return "".join(lines[: rng.randint(4, len(lines))])


def repeated(paragraph: str, rng: random.Random) -> str:
    sentences = [s for s in re.split(r"(?<=[。．！？.!?])", paragraph) if s.strip()] or [paragraph]
    sentence = rng.choice(sentences).strip()
    return "".join([sentence] * max(3, len(paragraph) // max(len(sentence), 1)))


def truncated(paragraph: str, rng: random.Random) -> str:
    first = re.split(r"(?<=[。．！？.!?])", paragraph)[0]
    return first[: max(8, int(len(first) * rng.uniform(0.3, 0.6)))]


def shuffled(paragraph: str, rng: random.Random) -> str:
    found = list(words(paragraph))
    rng.shuffle(found)
    return "".join(found) if len(paragraph.split()) < 3 else " ".join(found)


def mojibake(paragraph: str, rng: random.Random) -> str:
    encoding = rng.choice(["cp932", "latin-1"])
    return paragraph.encode("utf-8").decode(encoding, errors="replace")


JUNK: dict[str, Generator] = {
    "navigation": navigation,
    "keyword_spam": keyword_spam,
    "seo_template": seo_template,
    "repeated": repeated,
    "truncated": truncated,
    "shuffled": shuffled,
    "mojibake": mojibake,
}
