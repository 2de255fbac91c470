"""JSQuAD (JGLUE) read as a knowledge base: paragraphs as documents, questions with their gold
paragraph and answers. Shared by the retrieval and writing benchmarks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sakuin.knowledge.parse import ParsedDocument

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "jglue" / "jsquad-valid-v1.3.json"


@dataclass(frozen=True)
class Question:
    question: str
    source: str  # the gold paragraph's document source
    answers: tuple[str, ...]


def load_jsquad(path: Path = DATA) -> tuple[list[ParsedDocument], list[Question]]:
    """Paragraphs as documents (title before [SEP]) and every question with its gold paragraph."""
    documents: list[ParsedDocument] = []
    questions: list[Question] = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            title, _, text = paragraph["context"].partition(" [SEP] ")
            source = f"jsquad/{len(documents)}"
            documents.append(ParsedDocument(title, text or title, source, "text/plain"))
            questions.extend(
                Question(qa["question"], source, tuple(a["text"] for a in qa["answers"]))
                for qa in paragraph["qas"]
            )
    return documents, questions
