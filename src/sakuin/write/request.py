"""What a writing request asks for: its language, whether it is a question or a writing task,
the length and tone wanted, and the terms that name its subject.

The subject terms are what the evidence decision checks passages against: the words of the
request minus the words of the task itself ("write", "introduction", 「紹介文」, 「書いて」), which
no document is expected to contain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

import fugashi

from sakuin.language import Language, language_of

Task = Literal["answer", "write"]

_HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")
# the language asked for is about the output, not the subject: 「日本語で」, "in English"
_OUTPUT_LANGUAGE = re.compile(r"(日本語|英語)で|\bin (japanese|english)\b")
_INFLECTION = re.compile(r"(?:s|es|ed|ing)$")
_INFLECTED_MIN_CHARS = 4
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[-.,][a-z0-9]+)*")

# Words that describe the task rather than its subject, in both languages.
_TASK_WORDS_TEXT = """
    write writing draft compose create prepare give make tell explain describe summarise summarize
    summary introduction intro overview note notes sales pitch email letter paragraph article short
    long brief detailed please include includes including about for of the a an to on in and or with
    what which who whom whose
    when where why how is are was were be been do does did can could would should will shall may
    i you me my your our we us it its this that these those there their them they please some any
    tone formal casual friendly words characters sentences sentence bullet bullets points page
    document documents doc internal company kind
    必要 書く 書い 書き 書け 作成 作っ 作る 作り 教え 説明 紹介 紹介文 文 要約 まとめ まとめる 概要 営業 向け
    メール 記事 文章 短い 長い 簡単 簡潔 詳しく ください 下さい について に関して 関する 何 なに どこ いつ
    だれ 誰 どう どの どれ どんな いくら いくつ ため こと もの よう です ます か 字 文字 程度 くらい ぐらい
    丁寧 カジュアル トーン フォーマル 社内 資料 ドキュメント 文書
"""
TASK_WORDS = frozenset(_TASK_WORDS_TEXT.split())

_WRITE_CUES = re.compile(
    r"\b(write|draft|compose|summari[sz]e|prepare|introduc\w*|overview|sales note|pitch)\b"
    r"|書いて|書く|作成|まとめ|要約|紹介文|紹介して|説明文|概要を",
    re.IGNORECASE,
)
_LENGTH = re.compile(r"(?P<n>\d+)\s*(?P<unit>words?|characters?|chars?|sentences?|字|文字|文)", re.IGNORECASE)
_TONES = {
    "formal": re.compile(r"\bformal\b|丁寧|フォーマル|ビジネス", re.IGNORECASE),
    "casual": re.compile(r"\bcasual\b|\bfriendly\b|カジュアル|親しみ", re.IGNORECASE),
    "persuasive": re.compile(r"\bpersuasive\b|\bsales\b|営業|売り込", re.IGNORECASE),
}


@dataclass(frozen=True)
class Request:
    """A writing request read for what it asks."""

    text: str
    language: Language
    task: Task
    subject_terms: tuple[str, ...]
    target_chars: int
    tone: str | None


def read_request(text: str, *, target_chars: int | None = None, tone: str | None = None) -> Request:
    """Read ``text`` as a request; explicit ``target_chars`` and ``tone`` win over what it says."""
    language = language_of(text)
    task: Task = "write" if _WRITE_CUES.search(text) else "answer"
    return Request(
        text=text,
        language=language,
        task=task,
        subject_terms=subject_terms(text),
        target_chars=target_chars or _stated_length(text, language, task),
        tone=tone or _stated_tone(text),
    )


def subject_terms(text: str) -> tuple[str, ...]:
    """The request's content words that are not about the task, lower-cased, in order, unique.

    Japanese words come from MeCab; Latin words and model numbers ("X3", "R-200") from the text
    itself, since MeCab cuts "X3" into "x" and "3".
    """
    normalised = unicodedata.normalize("NFKC", text).lower()
    normalised = _LENGTH.sub(" ", _OUTPUT_LANGUAGE.sub(" ", normalised))  # 「200 字程度で」 is the task
    japanese = [w for w in _subject_nouns(normalised) if not w.isascii() and not _HIRAGANA_ONLY.match(w)]
    latin = [w for w in _LATIN_WORD.findall(normalised) if w not in _english_stop_words()]
    seen: dict[str, None] = {}
    for word in sorted(japanese + latin, key=normalised.find):
        if len(word) > 1 and word not in TASK_WORDS and any(c.isalnum() for c in word):
            seen.setdefault(word, None)
    return tuple(seen)


def _subject_nouns(text: str) -> list[str]:
    """MeCab's nouns, less the function nouns: numerals and pronouns, and the adverbial nouns
    (UniDic's 副詞可能: 際, 場合, 以内, 前, いくら) that relate a subject rather than name one, so
    that 「出張の際の」 does not make 「際」 a subject no document need contain."""
    return [
        word.surface
        for word in _tagger()(text)
        if word.feature.pos1 == "名詞"
        and word.feature.pos2 not in ("数詞", "代名詞")
        and word.feature.pos3 != "副詞可能"
        and word.surface.strip()
    ]


@cache
def _tagger() -> fugashi.Tagger:
    return fugashi.Tagger()


@cache
def _english_stop_words() -> frozenset[str]:
    """scikit-learn's list of English function words (imported on first use: it takes a second)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def spelled(text: str, terms: tuple[str, ...]) -> str:
    """The terms as ``text`` spells them (case and width), joined by spaces: what a refusal names
    and what a writing task's subject is searched as."""
    normalised = unicodedata.normalize("NFKC", text)
    found = []
    for term in terms:
        match = re.search(re.escape(term), normalised, re.IGNORECASE)
        found.append(match.group() if match else term)
    return " ".join(found)


def contains_term(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` (NFKC, case-folded): as a whole word for Latin terms,
    in any of its regular inflections ("hold" in "holds", "claims" in "claim"), and as a
    substring for Japanese ones (which have no spaces to bound them)."""
    haystack = unicodedata.normalize("NFKC", text).lower()
    if term.isascii():
        return re.search(rf"(?<![a-z0-9]){_inflected(term)}(?![a-z0-9])", haystack) is not None
    return term in haystack


def _inflected(term: str) -> str:
    """A pattern for an English word and its regular inflections; a model number or a short
    word ("r2", "led") only as written."""
    if not term.isalpha() or len(term) < _INFLECTED_MIN_CHARS:
        return re.escape(term)
    stem = _INFLECTION.sub("", term)
    return rf"{re.escape(stem if len(stem) >= _INFLECTED_MIN_CHARS else term)}(?:s|es|ed|d|ing)?"


def _stated_length(text: str, language: Language, task: Task) -> int:
    match = _LENGTH.search(text)
    if match:
        n, unit = int(match["n"]), match["unit"].lower()
        if unit.startswith("word"):
            return n * 6
        if unit.startswith("sentence") or unit == "文":
            return n * (40 if language == "ja" else 110)
        return n
    if task == "answer":
        return 120 if language == "ja" else 300
    return 300 if language == "ja" else 700


def _stated_tone(text: str) -> str | None:
    return next((name for name, pattern in _TONES.items() if pattern.search(text)), None)
