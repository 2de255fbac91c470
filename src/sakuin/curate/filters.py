"""Heuristic filters: the rules every serious pre-training pipeline runs before any model looks.

Each filter is a named step with parameters (its limits) and a set of measures it reads off a
text. A text is removed when a measure is past its limit; the reason names the measure, its value
and the limit, so a report can say why. The rules follow Gopher (Rae et al. 2021: length, mean word
length, symbol and bullet ratios, stop words, repeated lines, paragraphs and n-grams), C4 (lines
ending in terminal punctuation, boilerplate lines) and FineWeb, with Japanese rules added the way
Japanese corpora build them (Swallow: share of hiragana; Japanese boilerplate; mojibake from
Shift_JIS and EUC-JP pages read with the wrong encoding). Japanese words are MeCab morphemes.

``datatrove`` has Gopher, C4 and FineWeb filters, but each needs spaCy (and per-language models)
for word tokenisation, and its C4 filter without spaCy splits Japanese sentences wrongly (it
rejected a clean two-sentence Japanese paragraph as ``too_few_sentences``), so the rules are
written here over :mod:`sakuin.curate.text`.

:meth:`Filter.severity` is a continuous version of the verdict: how far the worst measure is past
its limit (above 1 means removed). The benchmark ranks documents by it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from sakuin.curate.records import CurateError
from sakuin.curate.text import HIRAGANA, JAPANESE, is_japanese, lines, paragraphs, visible, words

Measures = dict[str, float]


@dataclass(frozen=True)
class Check:
    """One rule: ``measure`` must be at least (or at most) ``limit``; a limit of 0 turns it off."""

    measure: str
    limit: float
    at_least: bool

    def ratio(self, value: float) -> float:
        """How far ``value`` is towards failing: 1 at the limit, above 1 past it."""
        if self.at_least:
            return self.limit / value if value > 0 else math.inf
        return value / self.limit


class Filter:
    """A named heuristic: measures of a text and the limits they must keep to."""

    name: ClassVar[str]
    about: ClassVar[str]

    def measures(self, text: str) -> Measures:
        """The values this filter's checks read (NaN where one does not apply to this text)."""
        raise NotImplementedError

    def checks(self) -> list[Check]:
        """This filter's rules, from its parameters."""
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def reason(self, text: str) -> str | None:
        """Why ``text`` is removed (``"length: words 3 < 10"``), or None when it is kept."""
        values = self.measures(text)
        for check in self.checks():
            value = values[check.measure]
            if check.limit and not math.isnan(value) and check.ratio(value) > 1:
                sign = "<" if check.at_least else ">"
                return f"{self.name}: {check.measure} {value:.3g} {sign} {check.limit:g}"
        return None

    def severity(self, text: str) -> float:
        """The largest limit ratio over the checks that apply (see the module docstring)."""
        values = self.measures(text)
        ratios = [
            min(check.ratio(values[check.measure]), 100.0)
            for check in self.checks()
            if check.limit and not math.isnan(values[check.measure])
        ]
        return max(ratios, default=0.0)


@dataclass(frozen=True)
class Length(Filter):
    name = "length"
    about = "too short or too long, in visible characters and in words (morphemes for Japanese)"
    min_chars: int = 50
    max_chars: int = 100_000
    min_words: int = 10
    max_words: int = 100_000

    def measures(self, text: str) -> Measures:
        return {"chars": visible(text), "words": len(words(text))}

    def checks(self) -> list[Check]:
        return [
            Check("chars", self.min_chars, True),
            Check("chars", self.max_chars, False),
            Check("words", self.min_words, True),
            Check("words", self.max_words, False),
        ]


STOP_WORDS = {
    "en": frozenset({"the", "be", "to", "of", "and", "that", "have", "with", "is", "a", "in", "it"}),
    "ja": frozenset({"の", "は", "が", "を", "に", "で", "と", "も", "て", "た", "です", "ます", "する"}),
}
BULLET = re.compile(r"^\s*[-*•・●◆■▶►‣⁃]\s")


@dataclass(frozen=True)
class GopherQuality(Filter):
    name = "gopher_quality"
    about = "Gopher's word rules: mean word length, symbols per word, bullets, ellipses, stop words"
    min_mean_word_length: float = 3.0  # English only: Japanese morphemes are one or two characters
    max_mean_word_length: float = 10.0
    max_symbol_word_ratio: float = 0.1
    max_bullet_lines: float = 0.9
    max_ellipsis_lines: float = 0.3
    min_alpha_words: float = 0.8
    min_stop_words: int = 2

    def measures(self, text: str) -> Measures:
        found = words(text)
        japanese = is_japanese(text)
        count = max(len(found), 1)
        rows = lines(text) or [""]
        stop = STOP_WORDS["ja" if japanese else "en"]
        symbols = text.count("#") + text.count("...") + text.count("…")
        return {
            "mean_word_length": math.nan if japanese else sum(map(len, found)) / count,
            "symbol_word_ratio": symbols / count,
            "bullet_lines": sum(1 for r in rows if BULLET.match(r)) / len(rows),
            "ellipsis_lines": sum(1 for r in rows if r.endswith(("...", "…"))) / len(rows),
            "alpha_words": sum(1 for w in found if any(ch.isalpha() for ch in w)) / count,
            "stop_words": sum(1 for w in found if w.lower() in stop),
        }

    def checks(self) -> list[Check]:
        return [
            Check("mean_word_length", self.min_mean_word_length, True),
            Check("mean_word_length", self.max_mean_word_length, False),
            Check("symbol_word_ratio", self.max_symbol_word_ratio, False),
            Check("bullet_lines", self.max_bullet_lines, False),
            Check("ellipsis_lines", self.max_ellipsis_lines, False),
            Check("alpha_words", self.min_alpha_words, True),
            Check("stop_words", self.min_stop_words, True),
        ]


def duplicate_share(items: list[str]) -> tuple[float, float]:
    """Share of items that repeat an earlier one, by count and by characters."""
    seen: set[str] = set()
    repeated = repeated_chars = 0
    for item in items:
        if item in seen:
            repeated += 1
            repeated_chars += len(item)
        seen.add(item)
    total_chars = sum(map(len, items)) or 1
    return repeated / max(len(items), 1), repeated_chars / total_chars


def top_ngram_share(found: tuple[str, ...], n: int) -> float:
    """Characters covered by the most frequent word n-gram, over all word characters (Gopher)."""
    grams = Counter(zip(*(found[i:] for i in range(n)), strict=False))
    if not grams:
        return 0.0
    gram, count = grams.most_common(1)[0]
    return count * sum(map(len, gram)) / (sum(map(len, found)) or 1)


def duplicate_ngram_share(found: tuple[str, ...], n: int) -> float:
    """Characters of words inside n-grams that occur more than once, over all word characters (Gopher)."""
    grams = list(zip(*(found[i:] for i in range(n)), strict=False))
    counts = Counter(grams)
    covered = [False] * len(found)
    for i, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[i : i + n] = [True] * n
    return sum(len(w) for w, c in zip(found, covered, strict=True) if c) / (sum(map(len, found)) or 1)


@dataclass(frozen=True)
class Repetition(Filter):
    name = "repetition"
    about = "Gopher's repetition rules: repeated lines and paragraphs, top and duplicated word n-grams"
    max_dup_lines: float = 0.3
    max_dup_line_chars: float = 0.2
    max_dup_paragraphs: float = 0.3
    max_dup_paragraph_chars: float = 0.2
    max_top_ngram: dict[int, float] = field(default_factory=lambda: {2: 0.2, 3: 0.18, 4: 0.16})
    max_dup_ngram: dict[int, float] = field(
        default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.1}
    )

    # A Japanese morpheme is about half an English word, so its n-grams are counted that much longer.
    japanese_ngram_scale: int = 2
    # Below this many words, a name said three times is the top n-gram: too few words to judge by.
    min_words_for_top_ngrams: int = 100

    def measures(self, text: str) -> Measures:
        found = words(text)
        scale = self.japanese_ngram_scale if is_japanese(text) else 1
        enough = len(found) >= self.min_words_for_top_ngrams
        dup_lines, dup_line_chars = duplicate_share(lines(text))
        dup_paragraphs, dup_paragraph_chars = duplicate_share(paragraphs(text))
        values = {
            "dup_lines": dup_lines,
            "dup_line_chars": dup_line_chars,
            "dup_paragraphs": dup_paragraphs,
            "dup_paragraph_chars": dup_paragraph_chars,
        }
        values |= {
            f"top_{n}gram": top_ngram_share(found, n) if enough else math.nan for n in self.max_top_ngram
        }
        values |= {f"dup_{n}gram": duplicate_ngram_share(found, n * scale) for n in self.max_dup_ngram}
        return values

    def checks(self) -> list[Check]:
        return [
            Check("dup_lines", self.max_dup_lines, False),
            Check("dup_line_chars", self.max_dup_line_chars, False),
            Check("dup_paragraphs", self.max_dup_paragraphs, False),
            Check("dup_paragraph_chars", self.max_dup_paragraph_chars, False),
            *(Check(f"top_{n}gram", limit, False) for n, limit in self.max_top_ngram.items()),
            *(Check(f"dup_{n}gram", limit, False) for n, limit in self.max_dup_ngram.items()),
        ]


URL = re.compile(r"https?://\S+|www\.\S+")
_SYMBOL_CHARS = frozenset("#*|_~<>=[]{}/\\^@$%&+")


def _is_symbol(ch: str) -> bool:
    return ch in _SYMBOL_CHARS or unicodedata.category(ch).startswith("S")


@dataclass(frozen=True)
class Ratios(Filter):
    name = "ratios"
    about = "too many symbols, digits or URL characters among the visible characters"
    max_symbols: float = 0.1
    max_digits: float = 0.2
    max_url_chars: float = 0.2

    def measures(self, text: str) -> Measures:
        total = visible(text) or 1
        url_chars = sum(len(m) for m in URL.findall(text))
        plain = URL.sub(" ", text)
        return {
            "symbols": sum(1 for ch in plain if _is_symbol(ch)) / total,
            "digits": sum(1 for ch in plain if ch.isdigit()) / total,
            "url_chars": url_chars / total,
        }

    def checks(self) -> list[Check]:
        return [
            Check("symbols", self.max_symbols, False),
            Check("digits", self.max_digits, False),
            Check("url_chars", self.max_url_chars, False),
        ]


BOILERPLATE = re.compile(
    "|".join(
        [
            # English: cookie and consent notices, navigation, calls to action, legal footers
            r"\bcookies?\b",
            r"\bclick here\b",
            r"\bread more\b",
            r"\b(log ?in|sign ?in|sign ?up|log ?out|subscribe)\b",
            r"\bprivacy policy\b",
            r"\bterms (of use|of service|and conditions)\b",
            r"\ball rights reserved\b",
            r"\bjavascript\b",
            r"\blorem ipsum\b",
            r"\b(home|back to top|next page|previous page|skip to content)\b",
            r"\bshare (on|this)\b",
            r"©|\(c\) ?\d{4}",
            # Japanese: the same kinds, as Japanese sites word them
            r"利用規約",
            r"プライバシーポリシー",
            r"ログイン|ログアウト|会員登録|新規登録",
            r"クッキー|Cookie",
            r"こちらをクリック|クリックして|詳しくはこちら|続きを読む|もっと見る",
            r"ホーム\s*[>＞»]|トップページ|ページの先頭へ|前のページ|次のページ",
            r"無断転載|著作権",
            r"お問い合わせ|サイトマップ|運営会社",
            r"シェアする|ツイート|いいね",
            r"JavaScriptを有効",
        ]
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Boilerplate(Filter):
    name = "boilerplate"
    about = "lines of navigation, cookie notices, calls to action and legal footers (JA + EN)"
    max_boilerplate_lines: float = 0.3

    def measures(self, text: str) -> Measures:
        rows = lines(text) or [""]
        return {"boilerplate_lines": sum(1 for r in rows if BOILERPLATE.search(r)) / len(rows)}

    def checks(self) -> list[Check]:
        return [Check("boilerplate_lines", self.max_boilerplate_lines, False)]


TERMINAL = tuple(".!?\"'。！？」』）)…")


@dataclass(frozen=True)
class TerminalPunctuation(Filter):
    name = "terminal_punctuation"
    about = "C4: share of lines that end like a sentence (. ! ? 。 ！ ？ 」 …)"
    min_terminal_lines: float = 0.3

    def measures(self, text: str) -> Measures:
        rows = lines(text) or [""]
        return {"terminal_lines": sum(1 for r in rows if r.endswith(TERMINAL)) / len(rows)}

    def checks(self) -> list[Check]:
        return [Check("terminal_lines", self.min_terminal_lines, True)]


@dataclass(frozen=True)
class Japanese(Filter):
    name = "japanese"
    about = (
        "share of Japanese characters (off by default: set it for a Japanese-only corpus) and, for "
        "Japanese text, of hiragana: keyword lists and spam are nouns without particles"
    )
    min_japanese: float = 0.0
    min_hiragana: float = 0.15

    def measures(self, text: str) -> Measures:
        total = visible(text) or 1
        japanese = len(JAPANESE.findall(text)) / total
        hiragana = len(HIRAGANA.findall(text)) / total if is_japanese(text) else math.nan
        return {"japanese": japanese, "hiragana": hiragana}

    def checks(self) -> list[Check]:
        return [Check("japanese", self.min_japanese, True), Check("hiragana", self.min_hiragana, True)]


MOJIBAKE = re.compile(
    "|".join(
        [
            "\ufffd",  # the replacement character: bytes a decoder gave up on
            r"[\u0080-\u009f]",  # C1 controls: cp1252 bytes read as Latin-1
            # UTF-8 read as cp1252 / Latin-1: a lead byte letter followed by a continuation byte
            r"[ÂÃâãäåæçèéêëìíîïðñ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
            r"\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]",
            r"[縺繧繝縲]",  # UTF-8 kana and punctuation read as Shift_JIS (E3 80-83 lead bytes)
            r"[¤¥][¡-þ]",  # EUC-JP kana read as Latin-1
            r"[\u201a\u0192][\u0040-\u00ff\u0152-\u2122]",  # Shift_JIS kana read as cp1252
        ]
    )
)


@dataclass(frozen=True)
class Mojibake(Filter):
    name = "mojibake"
    about = "text decoded with the wrong encoding (UTF-8 as Shift_JIS or Latin-1, EUC-JP, Shift_JIS)"
    max_mojibake: float = 0.02

    def measures(self, text: str) -> Measures:
        found = sum(len(m) for m in MOJIBAKE.findall(text))
        return {"mojibake": found / (visible(text) or 1)}

    def checks(self) -> list[Check]:
        return [Check("mojibake", self.max_mojibake, False)]


FILTERS: dict[str, type[Filter]] = {
    cls.name: cls
    for cls in (
        Length,
        GopherQuality,
        Repetition,
        Ratios,
        Boilerplate,
        TerminalPunctuation,
        Japanese,
        Mojibake,
    )
}


def make_filter(name: str, params: dict[str, Any] | None = None) -> Filter:
    """The filter called ``name`` with ``params`` over its defaults; unknown names are listed."""
    if name not in FILTERS:
        raise CurateError(f"unknown filter '{name}'; the filters are {sorted(FILTERS)}.")
    cls = FILTERS[name]
    allowed = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(params or {}) - allowed)
    if unknown:
        raise CurateError(
            f"filter '{name}' has no parameter(s) {unknown}; its parameters are {sorted(allowed)}."
        )
    try:
        return cls(**(params or {}))
    except TypeError as exc:
        raise CurateError(f"filter '{name}': {exc}") from exc
