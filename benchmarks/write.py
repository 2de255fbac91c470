"""Grounded writing on JSQuAD: answer quality closed-book, with RAG and with the gold paragraph;
refusal precision/recall with half the gold paragraphs removed; speed. Per model and style.

Corpus: the paragraphs of the first ``--paragraphs`` JSQuAD paragraphs; questions: a sample of
theirs. Half the sampled questions have their gold paragraph left out of the store: those are the
unanswerable ones. For the answerable half, each model answers
- closed-book: the grounded prompt with no passages (what the model knows by itself),
- rag: the same prompt with the top retrieved passages,
- gold: the same prompt with only the gold paragraph as passage [1] (the ceiling),
- write abstractive / extractive: ``sakuin.write`` end to end (retrieve → decide → write → check),
scored by exact match and character F1 against JSQuAD's answers (citations removed), and by
"contains": the share of outputs that contain a gold answer (fair to extractive answers, which
quote whole sentences). Refusal quality is measured on all sampled questions at the configured
threshold and at the threshold this set calibrates to, with the ROC AUC of the evidence score and
of two alternatives (dense cosine, BM25). Also the example workspace's own calibration.

    .venv/bin/python benchmarks/write.py [--questions 60] [--paragraphs 400]
        [--models gemma-3-270m,qwen2.5-coder-0.5b-instruct,qwen2.5-coder-1.5b-instruct]

Prints a table; writes benchmarks/results/write.json and write.png.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from jsquad import Question, load_jsquad
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sklearn.metrics import roc_auc_score

from sakuin.config import load_settings
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.manifest import load_workspace, read_workspace
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models import LanguageModel, load_model
from sakuin.write import Source, calibrate, write
from sakuin.write.citations import CITATION
from sakuin.write.evidence import NO_MARGIN, Translation, threshold_for, weigh
from sakuin.write.prompt import grounded_prompt
from sakuin.write.request import read_request
from sakuin.write.retrieval import Retrieved
from sakuin.write.retrieval import retrieve as retrieve_for_writing
from sakuin.write.sources import passage_sources

RESULTS = Path(__file__).parent / "results"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "workspace"
USER = "reader"
MAX_ANSWER_TOKENS = 48


def normalise(text: str) -> str:
    """Answer text for comparison: citations, spaces and punctuation removed, NFKC, lower case."""
    text = unicodedata.normalize("NFKC", CITATION.sub("", text)).lower()
    return re.sub(r"[\s。、．，,.!?！？「」『』()（）]", "", text)


def char_f1(prediction: str, answer: str) -> float:
    predicted, gold = Counter(normalise(prediction)), Counter(normalise(answer))
    common = sum((predicted & gold).values())
    if not common:
        return 0.0
    precision, recall = common / sum(predicted.values()), common / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def score_answer(prediction: str, answers: tuple[str, ...]) -> dict[str, float]:
    return {
        "exact": float(any(normalise(prediction) == normalise(a) for a in answers)),
        "f1": max(char_f1(prediction, a) for a in answers),
        "contains": float(any(normalise(a) in normalise(prediction) for a in answers)),
    }


def timed_generate(model: LanguageModel, prompt: Any) -> tuple[str, float, float, int]:
    """Text, time to first token, total time and tokens of one streamed generation."""
    started = time.perf_counter()
    first: float | None = None
    pieces = []
    for piece in model.stream(prompt, max_tokens=MAX_ANSWER_TOKENS, stop=["\n"]):
        first = first if first is not None else time.perf_counter() - started
        pieces.append(piece)
    total = time.perf_counter() - started
    return "".join(pieces).strip(), first or total, total, len(pieces)


def answer_quality(
    kb: KnowledgeBase, model: LanguageModel, questions: list[Question], gold_text: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Mean exact/F1/contains and timing per setting, on answerable questions."""
    settings: dict[str, list[dict[str, float]]] = {}

    def record(name: str, prediction: str, question: Question, **extra: float) -> None:
        settings.setdefault(name, []).append({**score_answer(prediction, question.answers), **extra})

    abstractive = kb.settings.write.model_copy(
        update={"style": "abstractive", "max_tokens": MAX_ANSWER_TOKENS}
    )
    extractive = kb.settings.write.model_copy(update={"style": "extractive"})
    for question in track(questions, description=f"{model.name} answers", transient=True):
        request = read_request(question.question)
        closed = grounded_prompt(model, request, [])
        text, first, total, tokens = timed_generate(model, closed)
        record("closed-book", text, question, first_s=first, total_s=total, tokens=tokens)
        gold = Source(1, 0, question.source, question.source, 0, 0, gold_text[question.source])
        text, first, total, tokens = timed_generate(model, grounded_prompt(model, request, [gold]))
        record("gold", text, question, first_s=first, total_s=total, tokens=tokens)
        retrieved = passage_sources(kb.search(question.question, USER, k=kb.settings.write.passages))
        text, first, total, tokens = timed_generate(model, grounded_prompt(model, request, retrieved))
        record("rag", text, question, first_s=first, total_s=total, tokens=tokens)
        for style, options in (("write abstractive", abstractive), ("write extractive", extractive)):
            result = write(kb, model, question.question, USER, options)
            record(
                style,
                "" if result.refused else result.text,
                question,
                first_s=result.stats.first_text_s or result.stats.total_s,
                total_s=result.stats.total_s,
                tokens=float(result.stats.generated_tokens),
                refused=float(result.refused),
                fell_back=float(style == "write abstractive" and result.style == "extractive"),
            )
    summary = {}
    for name, rows in settings.items():
        keys = rows[0].keys()
        means = {k: sum(r[k] for r in rows) / len(rows) for k in keys}
        generating = sum(r["total_s"] - r["first_s"] for r in rows)
        means["tokens_per_s"] = sum(r["tokens"] for r in rows) / generating if generating > 0 else 0.0
        summary[name] = means
    return summary


def refusal_quality(kb: KnowledgeBase, questions: list[Question], answerable: list[bool]) -> dict[str, Any]:
    """Evidence score per question; precision/recall of refusing, at the default and calibrated."""
    coverage, cosine, bm25 = [], [], []
    for question in track(questions, description="evidence", transient=True):
        vector = kb.embedder.embed_queries([question.question])[0]
        hits = kb.search(question.question, USER, k=kb.settings.write.passages, vector=vector)
        dense = kb.search(question.question, USER, k=50, mode="dense", vector=vector)
        retrieved = Retrieved(hits, {h.chunk_id: h.score for h in dense})
        write = kb.settings.write
        translation = Translation(write.translation_similarity, write.translation_margin)
        coverage.append(weigh(read_request(question.question), retrieved, translation).coverage)
        dense = kb.search(question.question, USER, k=1, mode="dense", vector=vector)
        lexical = kb.search(question.question, USER, k=1, mode="lexical")
        cosine.append(dense[0].score if dense else 0.0)
        bm25.append(lexical[0].score if lexical else 0.0)
    threshold = kb.settings.write.evidence_threshold
    refused = [c < threshold for c in coverage]
    true_refusals = sum(r and not a for r, a in zip(refused, answerable, strict=True))
    calibrated = threshold_for(coverage, answerable)
    return {
        "default_threshold": threshold,
        "precision_at_default": true_refusals / max(sum(refused), 1),
        "recall_at_default": true_refusals / max(answerable.count(False), 1),
        "calibrated": calibrated.__dict__,
        "roc_auc": {
            "coverage (used)": roc_auc_score(answerable, coverage),
            "dense cosine": roc_auc_score(answerable, cosine),
            "bm25": roc_auc_score(answerable, bm25),
        },
    }


def example_calibration(settings_dir: Path) -> dict[str, Any]:
    """The example company's labelled requests: what `sakuin write-calibrate` derives, and how
    the evidence decision does at it overall and on the cross-lingual and function-word slices
    (answered: share of answerable requests answered; refused: share of the others refused)."""
    kb = KnowledgeBase(load_settings(settings_dir))
    load_workspace(kb, read_workspace(EXAMPLE))
    rows = [json.loads(x) for x in (EXAMPLE / "requests.jsonl").read_text(encoding="utf-8").splitlines() if x]
    cases = [(read_request(r["request"]), retrieve_for_writing(kb, r["request"], r["user"], 5)) for r in rows]
    kb.close()
    answerable = [r["answerable"] for r in rows]
    found = calibrate(cases, answerable)
    similarity_only = calibrate(cases, answerable, margins=(NO_MARGIN,))
    words_only = calibrate(cases, answerable, translate=False)
    slices: dict[str, Any] = {}
    for name, calibration in (
        ("with translation", found),
        ("similarity only, no margin", similarity_only),
        ("words only", words_only),
    ):
        scores = [weigh(q, x, calibration.translation).coverage for q, x in cases]
        for part, keep in (
            ("all", lambda r: True),
            ("cross-lingual", lambda r: r.get("cross_lingual", False)),
            ("same language", lambda r: not r.get("cross_lingual", False)),
            ("function words", lambda r: r.get("function_words", False)),
        ):
            picked = [(s, r["answerable"]) for s, r in zip(scores, rows, strict=True) if keep(r)]
            yes = [s >= calibration.threshold for s, a in picked if a]
            no = [s < calibration.threshold for s, a in picked if not a]
            slices[f"{name} / {part}"] = {
                "answered": sum(yes) / len(yes) if yes else None,
                "refused": sum(no) / len(no) if no else None,
                "answerable": len(yes),
                "unanswerable": len(no),
            }
    return {
        "calibrated": found.__dict__,
        "similarity_only": similarity_only.__dict__,
        "words_only": words_only.__dict__,
        "slices": slices,
    }


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(results["models"])
    settings = ["closed-book", "rag", "gold", "write abstractive", "write extractive"]
    figure, axes = plt.subplots(1, 2, figsize=(13, 4))
    width = 0.8 / len(models)
    for axis, metric in zip(axes, ("f1", "contains"), strict=True):
        for index, model in enumerate(models):
            values = [results["models"][model]["answers"][s][metric] for s in settings]
            axis.bar([i + index * width for i in range(len(settings))], values, width, label=model)
        axis.set_xticks([i + width * (len(models) - 1) / 2 for i in range(len(settings))], settings)
        axis.set_title({"f1": "character F1", "contains": "output contains a gold answer"}[metric])
        axis.set_ylim(0, 1)
    axes[0].legend()
    figure.suptitle(f"JSQuAD, {results['answerable']} answerable questions")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--questions", type=int, default=60, help="questions sampled (half made unanswerable)"
    )
    parser.add_argument("--paragraphs", type=int, default=400, help="JSQuAD paragraphs in the corpus")
    parser.add_argument(
        "--models",
        default="gemma-3-270m,qwen2.5-coder-0.5b-instruct",
        help="comma-separated model names, side by side (qwen2.5-coder-1.5b-instruct needs its extra)",
    )
    args = parser.parse_args()
    console = Console()

    documents, all_questions = load_jsquad()
    documents = documents[: args.paragraphs]
    in_corpus = {d.source for d in documents}
    rng = random.Random(0)
    # one question per paragraph, so removing a paragraph affects exactly one sampled question
    by_paragraph: dict[str, Question] = {}
    for question in rng.sample(all_questions, len(all_questions)):
        if question.source in in_corpus:
            by_paragraph.setdefault(question.source, question)
    sample = rng.sample(sorted(by_paragraph.values(), key=lambda q: q.source), args.questions)
    removed = {q.source for q in sample[: len(sample) // 2]}
    answerable = [q.source not in removed for q in sample]
    gold_text = {d.source: d.text for d in documents}

    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(Path(folder) / "jsquad")
        kb = KnowledgeBase(settings)
        kb.store.add_user(USER)
        started = time.perf_counter()
        for document in track(documents, description="ingesting", transient=True):
            if document.source not in removed:
                kb.ingestor.ingest_document(document, parse_readers("everyone"))
        ingest_s = time.perf_counter() - started
        refusal = refusal_quality(kb, sample, answerable)
        answerable_questions = [q for q, a in zip(sample, answerable, strict=True) if a]
        per_model: dict[str, Any] = {}
        per_model_answers: dict[str, dict[str, dict[str, float]]] = {}
        for name in args.models.split(","):
            model = load_model(
                settings.model_copy(update={"model": settings.model.model_copy(update={"name": name})})
            )
            per_model_answers[name] = answer_quality(kb, model, answerable_questions, gold_text)
            per_model[name] = {"chat_template": model.has_chat_template, "answers": per_model_answers[name]}
            model.close()
        kb.close()
        example = example_calibration(Path(folder) / "example")

    results = {
        "corpus_paragraphs": len(documents) - len(removed),
        "questions": len(sample),
        "answerable": len(answerable_questions),
        "ingest_s": ingest_s,
        "refusal": refusal,
        "example_workspace_calibration": example,
        "models": per_model,
    }
    table = Table("model", "setting", "EM", "char F1", "contains", "refused", "TTFT s", "tok/s", "total s")
    for name, answers in per_model_answers.items():
        for setting, m in answers.items():
            quality = [f"{m[k]:.3f}" for k in ("exact", "f1", "contains")]
            speed = [f"{m.get('refused', 0):.2f}", f"{m['first_s']:.2f}", f"{m['tokens_per_s']:.1f}"]
            table.add_row(name, setting, *quality, *speed, f"{m['total_s']:.2f}")
    console.print(table)
    console.print(
        f"refusal at default threshold {refusal['default_threshold']:.2f}: precision "
        f"{refusal['precision_at_default']:.3f}, recall {refusal['recall_at_default']:.3f}; "
        f"calibrated here: {json.dumps(refusal['calibrated'])}; ROC AUC {json.dumps(refusal['roc_auc'])}"
    )
    console.print(f"example workspace calibration: {json.dumps(example['calibrated'])}")
    slice_table = Table("example requests", "answered", "refused", "answerable", "unanswerable")
    for name, m in example["slices"].items():
        rates = [f"{m[k]:.2f}" if m[k] is not None else "–" for k in ("answered", "refused")]
        slice_table.add_row(name, *rates, str(m["answerable"]), str(m["unanswerable"]))
    console.print(slice_table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "write.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    plot(results, RESULTS / "write.png")
    console.print(f"wrote {RESULTS / 'write.json'} and write.png")


if __name__ == "__main__":
    main()
