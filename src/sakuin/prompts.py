"""Completion-style prompt templates, one per task, kept in one place.

The default model is a pretrained base model: it continues text rather than following
instructions, so each task is written as a document it would naturally continue, with a few
solved examples first. Instruction models get the same text as a user message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FewShot:
    """A few-shot completion template: solved examples, then the query, ending where the answer goes."""

    instruction: str
    input_label: str
    output_label: str
    examples: Sequence[tuple[str, str]]

    def prefix(self) -> str:
        """The part shared by every query: instruction and examples (what a prefix cache holds)."""
        shots = "".join(f"{self.input_label}{q}\n{self.output_label}{a}\n\n" for q, a in self.examples)
        return f"{self.instruction}\n\n{shots}" if self.instruction else shots

    def query(self, text: str) -> str:
        """The per-item part, ending right before the answer."""
        return f"{self.input_label}{text}\n{self.output_label}"

    def render(self, text: str) -> str:
        return self.prefix() + self.query(text)


CAPITALS_EN = FewShot(
    "",
    "Q: ",
    "A:",
    [("What is the capital of Italy?", " Rome"), ("What is the capital of Japan?", " Tokyo")],
)

CAPITALS_JA = FewShot(
    "",
    "質問：",
    "答え：",
    [("イタリアの首都はどこですか？", "ローマ"), ("フランスの首都はどこですか？", "パリ")],
)

REVIEW_SENTIMENT = FewShot(
    "Classify the sentiment of each product review as positive or negative.",
    "Review: ",
    "Sentiment:",
    [
        ("The battery lasts all day and the screen is gorgeous.", " positive"),
        ("届いた箱がつぶれていて、電源も入りませんでした。", " negative"),
        ("使いやすくて、家族みんなが気に入っています。", " positive"),
    ],
)


# Grounded writing. A base model learns the format (numbered passages, the request, a cited
# answer) from one solved example; an instruction model gets the rules as a system message.
GROUNDED_EXAMPLE = {
    "en": (
        "[1] The Aozora kettle holds 1.2 litres and boils a full load in three minutes.\n"
        "[2] The Aozora kettle costs 8,800 yen and comes in white and grey.",
        "How much water does the Aozora kettle hold?",
        "The Aozora kettle holds 1.2 litres [1].",
    ),
    "ja": (
        "[1] アオゾラケトルの容量は1.2リットルで、満水から3分で沸騰します。\n"
        "[2] アオゾラケトルの価格は8,800円で、色は白と灰色です。",
        "アオゾラケトルの容量は？",
        "アオゾラケトルの容量は1.2リットルです[1]。",
    ),
}
GROUNDED_LABELS = {
    "en": ("Passages:", "Request:", "Answer:"),
    "ja": ("資料：", "依頼：", "回答："),
}
GROUNDED_RULES = {
    "en": (
        "Write only from the numbered passages. After each sentence, cite the passages it uses as "
        "[1], [2]. If the passages do not cover the request, say so instead of guessing."
    ),
    "ja": (
        "番号付きの資料だけに基づいて書いてください。各文の後に根拠の資料番号を[1]、[2]のように"
        "付けてください。資料に書かれていないことは推測せず、書かれていないと答えてください。"
    ),
}
REFUSALS = {
    "en": "No document you can access covers {subject}.",
    "ja": "アクセスできる社内資料に{subject}についての情報がありません。",
}
LENGTH_AND_TONE = {
    "en": "Length: about {chars} characters.{tone}",
    "ja": "長さ：{chars}字程度。{tone}",
}
TONE_NAMES = {
    "en": {"formal": " Tone: formal.", "casual": " Tone: friendly.", "persuasive": " Tone: persuasive."},
    "ja": {"formal": "丁寧な文体で。", "casual": "親しみやすい文体で。", "persuasive": "訴求力ある文体で。"},
}
# what the extractive writer's one generated sentence begins with, per language
SUMMARY_LEAD = {"en": "In short,", "ja": "要するに、"}
# What a writing task's sentences are ranked by: how much likelier the model finds a sentence after
# this heading naming the subject than after a bare line (their pointwise mutual information).
ABOUT_SUBJECT = {"en": "About {subject}:\n", "ja": "{subject}について\n"}
NO_SUBJECT = "\n"
