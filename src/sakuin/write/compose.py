"""Evidence-first writing: the sentences of the sources that answer the request, cited and ordered,
with generated text only where the model's own scores support it.

A 270M base model writes weak prose but ranks text well, so here it ranks: each candidate
sentence is scored by how likely the model finds the request after reading it (query likelihood)
and by how many of the request's subject terms it holds; the two rankings are fused. For a
writing task one generated sentence may open the text, kept only if every content word in it
occurs in the chosen evidence and the evidence makes the model find it more likely than it does
without (a positive pointwise mutual information): connecting text, not new claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sakuin.knowledge.chunk import sentence_spans
from sakuin.knowledge.search import RRF_K
from sakuin.models import LanguageModel
from sakuin.prompts import GROUNDED_LABELS, SUMMARY_LEAD
from sakuin.write.request import Request, contains_term, subject_terms
from sakuin.write.sources import Source

MIN_SENTENCE_CHARS = 8
_LINE = re.compile(r"[^\n]+")
_EMPHASIS = re.compile(r"\*\*|__|`")
MODEL_RANKED = 12  # candidates the model scores, after the lexical pre-selection
ANSWER_SENTENCES = 2


@dataclass(frozen=True)
class Sentence:
    """A sentence of one source, with its offsets in the document."""

    source: Source
    start: int
    end: int
    text: str


def candidates(sources: list[Source]) -> list[Sentence]:
    """Every sentence of the sources worth quoting (not a heading, not a fragment), once each."""
    seen: set[tuple[int, int]] = set()
    found = []
    for source in sources:
        for line in _LINE.finditer(source.text):
            if line.group().lstrip().startswith("#"):
                continue  # a heading: its words reach the ranking through the passage's title
            for start, end in sentence_spans(source.text, line.start(), line.end()):
                text = plain(source.text[start:end])
                key = (source.document_id, source.start + start)
                if len(text) >= MIN_SENTENCE_CHARS and key not in seen:
                    seen.add(key)
                    found.append(Sentence(source, source.start + start, source.start + end, text))
    return found


def plain(markdown: str) -> str:
    """A sentence as prose: emphasis marks dropped, a table row read as "cell: cell, cell",
    a table's rule line as nothing."""
    text = " ".join(_EMPHASIS.sub("", markdown).split())
    if text.startswith("|") and text.endswith("|"):
        cells = [c.strip() for c in text.strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            return ""
        return f"{cells[0]}: {', '.join(cells[1:])}" if len(cells) > 1 else cells[0]
    return text


def rank(model: LanguageModel, request: Request, sentences: list[Sentence]) -> list[Sentence]:
    """Sentences best first: lexical coverage and the model's query likelihood, fused by rank."""

    def lexical(sentence: Sentence) -> tuple[float, int]:
        # terms in the source's title are context every sentence of it shares, not what sets one apart
        own = [t for t in request.subject_terms if not contains_term(sentence.source.title, t)]
        return sum(contains_term(sentence.text, t) for t in own), -sentence.source.number

    shortlist = sorted(sentences, key=lexical, reverse=True)[:MODEL_RANKED]
    question_label = GROUNDED_LABELS[request.language][1]
    likelihood = {
        id(s): model.score(f"{s.source.title}: {s.text}\n{question_label}", [request.text])[0]
        for s in shortlist
    }
    by_model = sorted(shortlist, key=lambda s: -likelihood[id(s)])
    fused = {
        id(s): 1 / (RRF_K + shortlist.index(s) + 1) + 1 / (RRF_K + by_model.index(s) + 1) for s in shortlist
    }
    return sorted(shortlist, key=lambda s: -fused[id(s)])


def select(request: Request, ranked: list[Sentence]) -> list[Sentence]:
    """The best sentences up to the target length (at least one), in reading order for a writing
    task (source by source, as the documents have them) and best first for a question, which
    gets at most :data:`ANSWER_SENTENCES`."""
    chosen: list[Sentence] = []
    length = 0
    for sentence in ranked:
        full = request.task == "answer" and len(chosen) == ANSWER_SENTENCES
        if full or (chosen and length + len(sentence.text) > request.target_chars):
            break
        chosen.append(sentence)
        length += len(sentence.text)
    if request.task == "write":
        chosen.sort(key=lambda s: (s.source.number, s.start))
    return chosen


def cite(sentence: str, numbers: list[int], language: str) -> str:
    marks = "".join(f"[{n}]" for n in numbers)
    return f"{sentence}{marks}" if language == "ja" else f"{sentence} {marks}"


def supported_lead(model: LanguageModel, request: Request, chosen: list[Sentence]) -> str | None:
    """One generated opening sentence, or None when the model's scores do not support one."""
    evidence = "\n".join(s.text for s in chosen)
    lead = SUMMARY_LEAD[request.language]
    stops = ("\n", "。") if request.language == "ja" else ("\n", ". ")
    generated = model.generate(f"{evidence}\n\n{lead}", max_tokens=48, stop=stops).text.strip()
    if not generated or not any(c.isalnum() for c in generated):
        return None
    sentence = f"{lead}{generated}" + ("。" if request.language == "ja" else ".")
    content = [w for w in subject_terms(generated) if len(w) > 1]
    if any(not contains_term(evidence, w) for w in content):
        return None
    with_evidence, without = (
        model.score(f"{evidence}\n\n", [sentence])[0],
        model.score(f"{request.text}\n\n", [sentence])[0],
    )
    return sentence if with_evidence > without else None


def extractive(model: LanguageModel, request: Request, sources: list[Source]) -> Iterator[str]:
    """The cited evidence-first text, one sentence (and its citation) at a time."""
    chosen = select(request, rank(model, request, candidates(sources)))
    separator = "" if request.language == "ja" else " "
    if request.task == "write" and len(chosen) > 1:
        lead = supported_lead(model, request, chosen)
        if lead:
            numbers = sorted({s.source.number for s in chosen})
            yield cite(lead, numbers, request.language) + "\n"
    for index, sentence in enumerate(chosen):
        yield (separator if index else "") + cite(sentence.text, [sentence.source.number], request.language)
