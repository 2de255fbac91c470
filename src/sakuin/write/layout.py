"""What each line of a source is: a heading, the document's own metadata, page furniture, a list
item, a question, its answer, or prose.

The evidence-first writer quotes lines, and a quote reads well only in its role. The author,
approval and revision lines of a document, and page furniture such as "Page 1 of 2" or a copyright
line, describe the document rather than its subject, so they are content only when a request asks
about the document itself. A list item stays a list item. An FAQ's question is the context of its
answer, never an answer. Roles are read from the shape of a line (labelled fields separated by
"／", "|" or "·"; "Q:" / "A:" markers; a question heading followed by its answer) in Japanese and
English, not from the wording of any one document. A table's rows are list items (each row one
item, read "cell: cell, cell"), its header row a heading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Role = Literal["heading", "metadata", "furniture", "item", "question", "answer", "prose"]

# Labels of a document's own lifecycle fields: who wrote, approved or owns it, when it was made,
# revised or took effect, its number, version and classification.
_LIFECYCLE_EN = (
    r"(?:last\s+)?(?:updated|modified|revised|reviewed)(?:\s+(?:on|by))?"
    r"|(?:written|prepared|compiled|created|approved|issued|published)(?:\s+(?:by|on))?"
    r"|authors?|owners?|maintainers?|approv(?:al|er)s?|revision|version|effective(?:\s+date)?"
    r"|issue\s+date|document\s+(?:number|no\.?)|doc\.?\s*no\.?|classification|status|distribution"
)
_LIFECYCLE_JA = (
    r"作成(?:者|日|部署)?|承認(?:者|日)?|最終更新日?|更新日?|改[定訂]日?|施行日?|所管(?:部署)?|文書番号"
    r"|版数?|発行(?:日|者)?|情報区分|機密区分|配布先|起案者?|記入者|執筆者?|確認者|責任者|管理部署"
)
_LIFECYCLE_LABEL = re.compile(rf"(?:{_LIFECYCLE_EN}|{_LIFECYCLE_JA})")
_LIFECYCLE_LEAD = re.compile(rf"^(?:{_LIFECYCLE_EN})\s+\S")  # "Last updated 2 June 2025", "Version 2"
_FIELD = re.compile(r"^(?P<label>[^:：]{1,24}?)\s*[:：]\s*\S")
_FIELD_SEPARATOR = re.compile(
    r"\s*[／|·•]\s*|\s+/\s+"
)  # split before NFKC, which makes "／" a "/" as in "m/s"
_LEAD_FIELD_MAX_CHARS = 60
_BARE_FIELD_MAX_CHARS = 30  # an unlabelled field beside labelled ones: a date, a name
# a request about the document itself: its author, approval, revision, effective date or version
_ASKS_ABOUT_DOCUMENT = re.compile(
    r"\b(?:author|authors|wrote|written|approved|approval|owner|owns|updated|revised|revision"
    r"|effective|version|document number)\b|作成者|誰が作成|承認|最終更新|更新日|いつ更新|改定|改訂|施行"
    r"|所管|文書番号|版数|発行日",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?P<marker>(?:[-*+・•]|\d{1,2}[.)．]|[①-⑳]|\(\d{1,2}\)))\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")  # a Markdown table's row: a list item of "cell: cell, cell"
_TABLE_RULE = re.compile(r"^\s*\|(?:\s*:?-+:?\s*\|)+\s*$")
_EMPHASIS = re.compile(r"\*\*|__|`")
_Q_MARK = r"[*_]*(?:Q|Ｑ|問|質問|Question)\s*\d*\s*[.:：．、)）]?[*_]*\s*"
_A_MARK = r"[*_]*(?:A|Ａ|答え?|回答|Answer)\s*\d*\s*[.:：．、)）][*_]*\s*"
_QUESTION_LINE = re.compile(rf"^{_Q_MARK}(?=\S)")
_ANSWER_LINE = re.compile(rf"^{_A_MARK}(?=\S)")
_QUESTION_AND_ANSWER = re.compile(rf"^{_Q_MARK}(?P<q>.+?[?？])[*_]*\s*{_A_MARK}(?P<a>\S.*)$")
_FURNITURE = re.compile(
    r"^(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|p\.\s*\d+|[-–—]\s*\d+\s*[-–—]|\d+\s*/\s*\d+|\d+\s*ページ"
    r"|[【\[(（]?(?:社外秘|部外秘|極秘|機密|取扱注意|confidential|internal use only|strictly confidential)"
    r"[】\])）]?|目次|table of contents|contents|back to top|ページの先頭へ|ページトップへ)$"
    r"|^(?:©|\(c\)|copyright\b)|all rights reserved|無断(?:転載|複製|転用)",
    re.IGNORECASE,
)
_FURNITURE_MAX_CHARS = 80


@dataclass(frozen=True)
class Line:
    """One line of a source: its role, where its content lies (marker and Q/A labels excluded),
    its list marker, the question an answer answers, and the block (paragraph or list) it is in."""

    role: Role
    start: int
    end: int
    marker: str = ""
    question: str = ""
    block: int = 0


def lines(text: str) -> Iterator[Line]:
    """The non-blank lines of ``text`` with their roles, in order.

    An FAQ question (a "Q:" line, or a heading that asks) is context for what follows it: the
    "A:" line or the paragraph after a question line, everything up to the next heading after
    a question heading.
    """
    block = 0
    question, asked_by_heading = "", False
    offset = 0
    previous: Literal["blank", "item", "other"] = "blank"
    raws = text.split("\n")
    for index, raw in enumerate(raws):
        start, end = offset, offset + len(raw)
        offset = end + 1
        if not raw.strip():
            previous = "blank"
            question = question if asked_by_heading else ""
            continue
        if _is_furniture(raw):
            block += 1
            previous = "other"
            yield Line("furniture", start, end, block=block)
            continue
        item, heading, row = _ITEM.match(raw), _HEADING.match(raw), _TABLE_ROW.match(raw)
        if row and (_TABLE_RULE.match(raw) or (index + 1 < len(raws) and _TABLE_RULE.match(raws[index + 1]))):
            heading = row  # a table's header row and the rule under it name columns, they say nothing
        kind: Literal["item", "other"] = "item" if item or row else "other"
        if heading or previous != kind:
            block += 1  # a blank line, a heading, or a list starting or ending begins a block
        previous = kind
        if heading:
            title = raw[heading.end() :].strip()
            asked = _QUESTION_LINE.match(title)
            question, asked_by_heading = (
                (_plain(title[asked.end() if asked else 0 :]), True) if _is_question(title) else ("", False)
            )
            yield Line("heading", start + (0 if row else heading.end()), end, block=block)
            continue
        content_start = start + (item.end() if item else 0)
        content = raw[content_start - start :]
        marker = item.group("marker") if item else "|" if row else ""
        if both := _QUESTION_AND_ANSWER.match(content):
            yield Line(
                "question", content_start + both.start("q"), content_start + both.end("q"), block=block
            )
            yield Line("answer", content_start + both.start("a"), end, marker, _plain(both["q"]), block)
            continue
        if (asked := _QUESTION_LINE.match(content)) and _is_question(content):
            question, asked_by_heading = _plain(content[asked.end() :]), False
            yield Line("question", content_start + asked.end(), end, block=block)
            continue
        if question and (answered := _ANSWER_LINE.match(content)):
            content_start += answered.end()
        yield Line(_role_of(raw[content_start - start :], bool(item or row), question), content_start, end,
                   marker, question, block)  # fmt: skip


def _role_of(content: str, is_item: bool, question: str) -> Role:
    plain = _plain(content)
    if is_metadata(plain):
        return "metadata"
    if question:
        return "answer"
    return "item" if is_item else "prose"


def is_metadata(line: str) -> bool:
    """Whether ``line`` is made of fields about the document itself: each field is ``label: value``
    or a lifecycle label followed by its value ("Last updated 2 June 2025"), and at least one
    label is a lifecycle one (作成, 承認, 最終更新, Owner, Version…)."""
    fields = [unicodedata.normalize("NFKC", f).lower() for f in _FIELD_SEPARATOR.split(line.strip()) if f]
    kinds = [_field_kind(f) for f in fields]
    return bool(kinds) and None not in kinds and "lifecycle" in kinds


def _field_kind(field: str) -> Literal["lifecycle", "other"] | None:
    if labelled := _FIELD.match(field):
        return "lifecycle" if _LIFECYCLE_LABEL.fullmatch(labelled["label"].strip()) else "other"
    if re.search(r"[.。!?！？]$", field):
        return None  # a sentence
    if len(field) <= _LEAD_FIELD_MAX_CHARS and _LIFECYCLE_LEAD.match(field):
        return "lifecycle"
    return "other" if len(field) <= _BARE_FIELD_MAX_CHARS else None


def _is_furniture(line: str) -> bool:
    """Page numbers, copyright and classification stamps, "back to top": the page, not the text."""
    plain = _plain(line)
    return len(plain) <= _FURNITURE_MAX_CHARS and _FURNITURE.search(plain) is not None


def asks_about_the_document(request: str) -> bool:
    """Whether a request asks about a document's own metadata, so that metadata lines are content."""
    return _ASKS_ABOUT_DOCUMENT.search(unicodedata.normalize("NFKC", request)) is not None


_REPLY_MAX_WORDS, _REPLY_MAX_CHARS = 3, 6  # "Not yet.", "Yes, it can."; 「いいえ。」「可能です。」


def is_bare_reply(sentence: str) -> bool:
    """Whether ``sentence`` says nothing without the question it replies to ("No.", "Not yet.",
    「はい。」「できます。」): an FAQ answer's opening that a text written from the FAQ leaves out."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", sentence))
    if not words:
        return False
    if all(w.isascii() for w in words):
        return len(words) <= _REPLY_MAX_WORDS
    return sum(map(len, words)) <= _REPLY_MAX_CHARS


def _is_question(text: str) -> bool:
    return _plain(text).endswith(("?", "？"))


def _plain(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", text).split())
