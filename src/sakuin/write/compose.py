"""Evidence-first writing: the sentences of the sources that answer the request, cited and ordered,
with generated text only where the model's own scores support it.

A 270M base model writes weak prose but ranks text well, so here it ranks: each candidate
sentence is scored by how many of the request's subject terms it holds and by the model, the two
rankings fused. For a question the model's score is how likely it finds the request after reading
the sentence (query likelihood); for a writing task it is how much likelier it finds the sentence
under a heading naming the subject than without one (pointwise mutual information), which puts
what a document says its subject *is* and does above rules and remarks that merely mention it. For a
writing task one generated sentence may open the text, kept only if every content word in it
occurs in the chosen evidence and the evidence makes the model find it more likely than it does
without (a positive pointwise mutual information): connecting text, not new claims.

What is quoted, and how, follows the sources' layout (:mod:`sakuin.write.layout`): the
document's own metadata and page furniture are never quoted unless the request asks about the
document, an FAQ's question is the context of its answer and never the answer, a list item is
quoted whole and stays a list item, a sentence that addresses the assistant ("ignore previous
instructions") is never quoted, and no sentence is given twice. A writing task opens with a
sentence that names its subject and goes on in reading order, a paragraph per source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sakuin.knowledge.chunk import sentence_spans
from sakuin.knowledge.search import RRF_K
from sakuin.language import script_of
from sakuin.models import LanguageModel
from sakuin.prompts import ABOUT_SUBJECT, GROUNDED_LABELS, NO_SUBJECT, SUMMARY_LEAD
from sakuin.write.injection import addresses_the_assistant
from sakuin.write.layout import Line, asks_about_the_document, is_bare_reply, lines
from sakuin.write.request import Request, contains_term, spelled, subject_terms
from sakuin.write.sources import Source

MIN_SENTENCE_CHARS = 8
_EMPHASIS = re.compile(r"\*\*|__|`")
_NOT_TEXT = re.compile(r"[\s\W_]+")
# a bold lead-in that names what the paragraph is about: "**Other arms.** The HG-3 …"
_RUN_IN_HEADING = re.compile(r"(\*\*|__)[^*_\n]+[.:：。]\1\s*")
MODEL_RANKED = {"answer": 12, "write": 24}  # candidates the model scores, after the lexical pre-selection
ANSWER_SENTENCES = 2


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a whole list item or answer) of one source, with its offsets in the
    document, its list marker, the FAQ question it answers, and its block in the source."""

    source: Source
    start: int
    end: int
    text: str
    marker: str = ""
    question: str = ""
    block: int = 0


def candidates(request: Request, sources: list[Source], documents: Mapping[int, str]) -> list[Sentence]:
    """Every sentence of the sources worth quoting for ``request``, once each: no heading, FAQ
    question, fragment, sentence that only opens a list ("each with:"), page furniture, passage
    addressing the assistant, or (unless asked for) metadata line.

    Line roles are read from the whole document (``documents``: id → text), because a passage
    may begin inside a line or below the question it answers; only sentences and lines that lie
    wholly inside a source are quoted from it, so no fragment opens a text.
    """
    metadata_wanted = asks_about_the_document(request.text)
    layouts = {
        document_id: list(lines(documents[document_id])) for document_id in {s.document_id for s in sources}
    }
    seen: set[str] = set()
    found = []
    for source in sources:
        document = documents[source.document_id]
        for line in layouts[source.document_id]:
            if line.end <= source.start or line.start >= source.end:
                continue
            if line.role in ("heading", "question", "furniture") or (
                line.role == "metadata" and not metadata_wanted
            ):
                continue
            spans = _quotable_spans(document, line, request.task)
            for start, end in spans:
                text = plain(document[start:end])
                key = _NOT_TEXT.sub("", text.lower())
                if (
                    start < source.start
                    or end > source.end
                    or len(text) < MIN_SENTENCE_CHARS
                    or text.endswith((":", "："))  # it opens a list or table, which says the content
                    or key in seen
                    or addresses_the_assistant(text)
                ):
                    continue
                seen.add(key)
                marker = "" if line.role == "answer" else line.marker  # an FAQ's answer reads as prose
                found.append(Sentence(source, start, end, text, marker, line.question, line.block))
    return found


def _quotable_spans(document: str, line: Line, task: str) -> list[tuple[int, int]]:
    """Where ``line`` may be quoted from: a list item or an FAQ answer whole, prose sentence by
    sentence, less a bold run-in heading. A writing task quotes an answer without its bare reply
    ("No. The lamp stands on a desk." reads "The lamp stands on a desk."), and not at all when the
    reply is all it says."""
    if line.role == "item":
        return [(line.start, line.end)]
    sentences = list(sentence_spans(document, line.start, line.end))
    if line.role != "answer":
        return [span for a, b in sentences if (span := _after_run_in_heading(document, a, b))]
    if task == "write" and sentences and is_bare_reply(document[slice(*sentences[0])]):
        return [(sentences[1][0], line.end)] if len(sentences) > 1 else []
    return [(line.start, line.end)]


def _after_run_in_heading(document: str, start: int, end: int) -> tuple[int, int] | None:
    """A sentence without the bold run-in heading it starts with, which is no part of it (None
    when the heading is all there is)."""
    heading = _RUN_IN_HEADING.match(document, start, end)
    start = heading.end() if heading else start
    return (start, end) if start < end else None


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


def terms_said(request: Request, sentence: Sentence) -> int:
    """How many of the request's subject terms ``sentence`` holds, its FAQ question included; terms
    in its source's title are context every sentence of that source shares and do not count."""
    own = [t for t in request.subject_terms if not contains_term(sentence.source.title, t)]
    said = f"{sentence.question} {sentence.text}"
    return sum(contains_term(said, t) for t in own)


def rank(model: LanguageModel, request: Request, sentences: list[Sentence]) -> list[Sentence]:
    """Sentences best first: lexical coverage and the model's score, fused by rank."""

    def lexical(sentence: Sentence) -> tuple[float, int]:
        return terms_said(request, sentence), -sentence.source.number

    shortlist = sorted(sentences, key=lexical, reverse=True)[: MODEL_RANKED[request.task]]
    by_model = {
        id(s): score for s, score in zip(shortlist, _model_scores(model, request, shortlist), strict=True)
    }
    model_rank = {id(s): i for i, s in enumerate(sorted(shortlist, key=lambda s: -by_model[id(s)]))}
    if request.task == "answer":  # the retrieval order breaks ties between equally covering sentences
        lexical_rank = {id(s): i for i, s in enumerate(shortlist)}
    else:  # a writing task's sentences mostly name its subject alike: ties stay ties
        covered = {id(s): lexical(s)[0] for s in shortlist}
        lexical_rank = {id(s): sum(c > covered[id(s)] for c in covered.values()) for s in shortlist}
    fused = {
        id(s): 1 / (RRF_K + lexical_rank[id(s)] + 1) + 1 / (RRF_K + model_rank[id(s)] + 1) for s in shortlist
    }
    return sorted(shortlist, key=lambda s: -fused[id(s)])


def _model_scores(model: LanguageModel, request: Request, sentences: list[Sentence]) -> list[float]:
    """The model's score of each sentence for ``request``: query likelihood for a question,
    pointwise mutual information of the sentence with the subject for a writing task."""
    if request.task == "answer":
        question_label = GROUNDED_LABELS[request.language][1]
        return [
            model.score(f"{s.source.title}: {s.question} {s.text}\n{question_label}", [request.text])[0]
            for s in sentences
        ]
    about = ABOUT_SUBJECT[request.language].format(subject=spelled(request.text, request.subject_terms))
    texts = [s.text for s in sentences]
    return [a - b for a, b in zip(model.score(about, texts), model.score(NO_SUBJECT, texts), strict=True)]


def select(request: Request, ranked: list[Sentence]) -> list[Sentence]:
    """The best sentences that fit the target length (at least one), in reading order for a writing
    task (source by source, as the documents have them) and best first for a question, which
    gets at most :data:`ANSWER_SENTENCES`: the best one, then one that continues it."""
    chosen: list[Sentence] = []
    length = 0
    for sentence in ranked:
        if request.task == "answer" and len(chosen) == ANSWER_SENTENCES:
            break
        if request.task == "answer" and chosen and not _continues(request, chosen[0], sentence):
            continue
        too_long = chosen and length + len(sentence.text) > request.target_chars
        if too_long or any(_repeats(sentence, other) for other in chosen):
            continue  # a shorter sentence further down may still fit
        chosen.append(sentence)
        length += len(sentence.text)
    if request.task == "write":
        chosen.sort(key=lambda s: (s.source.number, s.start))
        opener = next((s for s in ranked if names_subject(request, s.text)), None)
        if opener is not None and not names_subject(request, chosen[0].text):
            chosen = [opener, *(s for s in chosen if s is not opener and not _repeats(s, opener))]
    return chosen


def names_subject(request: Request, text: str) -> bool:
    """Whether ``text`` names one of the request's subject terms."""
    return any(contains_term(text, term) for term in request.subject_terms)


def _continues(request: Request, best: Sentence, sentence: Sentence) -> bool:
    """Whether ``sentence`` may follow ``best`` in an answer: it stands in the same paragraph or list,
    or it says one of the request's own terms itself (not a neighbour that only shares the title)."""
    return _same_block(best, sentence) or terms_said(request, sentence) > 0


def _same_block(a: Sentence, b: Sentence) -> bool:
    return (a.source.number, a.block) == (b.source.number, b.block)


def _repeats(a: Sentence, b: Sentence) -> bool:
    """The same sentence twice, or one inside the other (a passage quoted again by a longer one)."""
    x, y = _NOT_TEXT.sub("", a.text.lower()), _NOT_TEXT.sub("", b.text.lower())
    return x in y or y in x


# a sentence end inside a quoted piece (an answer or list item may hold several sentences)
_INNER_END = re.compile(r"(?:[。！？!?]|[.](?=\s))[」』）)\"']*(?=\s*\S)")


def cite(text: str, numbers: list[int], language: str) -> str:
    """``text`` with its citation after every sentence in it: the citation gate judges sentence by
    sentence, and a sentence of a quoted answer must not reach it uncited."""
    marks = "".join(f"[{n}]" for n in numbers)
    joiner = "" if language == "ja" else " "
    return _INNER_END.sub(lambda end: f"{end.group()}{joiner}{marks}", text) + joiner + marks


def supported_lead(model: LanguageModel, request: Request, chosen: list[Sentence]) -> str | None:
    """One generated opening sentence, or None when the model's scores do not support one."""
    evidence = "\n".join(s.text for s in chosen)
    lead = SUMMARY_LEAD[request.language]
    stops = ("\n", "。") if request.language == "ja" else ("\n", ". ")
    generated = model.generate(f"{evidence}\n\n{lead}", max_tokens=48, stop=stops).text.strip()
    if not generated or not any(c.isalnum() for c in generated):
        return None
    glue, end = ("", "。") if request.language == "ja" else (" ", ".")
    sentence = f"{lead}{glue}{generated}"  # "In short, the …": the strip took the model's own space
    if not sentence.endswith(("。", ".", "！", "？", "!", "?")):
        sentence += end
    content = [w for w in subject_terms(generated) if len(w) > 1]
    if any(not contains_term(evidence, w) for w in content) or not names_subject(request, sentence):
        return None  # a new claim, or a fragment that does not say what it is about
    if any(all(contains_term(s.text, w) for w in content) for s in chosen):
        return None  # one quoted sentence said again, just before or after that sentence itself
    with_evidence, without = (
        model.score(f"{evidence}\n\n", [sentence])[0],
        model.score(f"{request.text}\n\n", [sentence])[0],
    )
    return sentence if with_evidence > without else None


def between(before: str, after: str) -> str:
    """What runs two sentences of one paragraph together: nothing between Japanese sentences, a
    space where either is English (a Japanese answer may quote an English source)."""
    return "" if script_of(before) == script_of(after) == "ja" else " "


def extractive(
    model: LanguageModel, request: Request, sources: list[Source], documents: Mapping[int, str]
) -> Iterator[str]:
    """The cited evidence-first text, one sentence (and its citation) at a time: prose sentences
    of one source run on as a paragraph, a new source starts a paragraph, list items stay list
    items (ordered ones renumbered in the order given). ``documents`` holds the whole text of each
    source's document (id → text), which the layout is read from."""
    chosen = select(request, rank(model, request, candidates(request, sources, documents)))
    if request.task == "write" and len(chosen) > 1:
        lead = supported_lead(model, request, chosen)
        if lead:
            numbers = sorted({s.source.number for s in chosen})
            yield cite(lead, numbers, request.language) + "\n\n"
    previous: Sentence | None = None
    ordinal = 0
    for sentence in chosen:
        cited = cite(sentence.text, [sentence.source.number], script_of(sentence.text))
        if previous is None:
            opening = ""
        elif sentence.marker and previous.marker and _same_block(previous, sentence):
            opening = "\n"  # the next item of the same list
        elif sentence.marker or previous.marker or previous.source.number != sentence.source.number:
            opening = "\n\n"
        else:
            opening = between(previous.text, sentence.text)
        if sentence.marker:
            ordinal = ordinal + 1 if opening == "\n" else 1
            cited = f"{ordinal}. {cited}" if sentence.marker[0].isdigit() else f"- {cited}"
        yield opening + cited
        previous = sentence
