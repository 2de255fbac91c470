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
