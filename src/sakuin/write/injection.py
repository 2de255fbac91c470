"""Text that addresses the assistant instead of informing a reader: "ignore previous
instructions", 「これまでの指示を無視して」. A document may quote such text (a phishing e-mail kept
for training); the writer never quotes it as an answer, so a planted instruction cannot become
what a user is told."""

from __future__ import annotations

import re
import unicodedata

_ADDRESSING = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+)?"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|original\s+)?"
    r"(?:instructions?|prompts?|rules|directions|guidelines|system\s+message)"
    r"|\b(?:system|developer)\s+prompt\b|\byou\s+are\s+now\s+(?:a|an|in)\b|\bjailbreak"
    r"|(?:これまで|今まで|以前|前|上記|先)の(?:指示|命令|ルール|設定|プロンプト)を(?:無視|忘れ)"
    r"|(?:指示|命令|プロンプト)を無視|システムプロンプト|あなたは今から",
    re.IGNORECASE,
)


def addresses_the_assistant(text: str) -> bool:
    """Whether ``text`` gives instructions to an assistant reading it (a prompt injection)."""
    return _ADDRESSING.search(unicodedata.normalize("NFKC", text)) is not None
