"""Data curation: can a small model judge quality? ROC-AUC per kind of junk, speed, dedup P/R.

Labelled without hand labels: good = paragraphs of JSQuAD (``../shared/data/jglue``, Japanese
Wikipedia); bad = junk made from other paragraphs by the documented generators of
:mod:`sakuin.curate.junk` (navigation pages, keyword spam, SEO templates, machine-repeated text,
truncated text, shuffled words, mojibake). Every scorer ranks good against each kind:

- the judge (``score`` engine, educational rubric, default model, with its fluency check), the
  same grade without the check, and Ask-LLM (yes/no rubric);
- the distilled judge: a head trained on the judge's verdicts of ``--distill-train`` documents made
  the same way from paragraphs outside the sample (token embeddings and text measures), evaluated
  on every benchmark document, with its agreement with the judge; beside it, the heads it replaced
  (embeddings only; grades without the fluency check);
- each heuristic filter (its severity) and all of them together;
- the combination: documents the heuristics remove rank below all others, the judge orders the rest;
  and a second one: the heuristics' severity ranks, the judge orders documents of equal severity.

Documents per second of each, measured in this one process (the machine is shared, so absolute
speeds are noisy; ratios between rows of one run are fairer). De-duplication: precision and recall
of planted near copies (Japanese from JSQuAD, English from Python's own help topics) at several
thresholds, and documents/s, beside ``datasketch`` on the same texts (the peer row). Finally the
talk's claim as a number: the same model as judge and writer, AUC of its judgement (and of the
heuristics) between original paragraphs and its own textbook-style rewrites of them.

    .venv/bin/python benchmarks/curate.py [--good 24] [--rewrites 6] [--dedup-docs 600] [--no-ask-llm]
    .venv/bin/python benchmarks/curate.py --dedup-only --dedup-docs 1000   # only de-duplication, same file

``--no-ask-llm`` keeps the Ask-LLM row of the previous results file, marked ``from_previous_run``.

Writes ``benchmarks/results/curate.json`` and ``curate.png`` (quality per kind).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.metrics import roc_auc_score

from sakuin.classify.backend import choose_backend
from sakuin.classify.distill import DistillEngine
from sakuin.classify.engines import Row
from sakuin.classify.features import text_features
from sakuin.config import load_settings
from sakuin.curate.dedup import NearDuplicates, exact_clusters, shingles
from sakuin.curate.features import judge_features
from sakuin.curate.filters import FILTERS, make_filter
from sakuin.curate.fluency import derive_band, read_fluency
from sakuin.curate.judge import Judge, Judgement
from sakuin.curate.junk import JUNK
from sakuin.curate.rubric import TEXT, load_rubric
from sakuin.curate.synth import SynthOptions, synthesize
from sakuin.models import load_model

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "jglue" / "jsquad-valid-v1.3.json"
RESULTS = Path(__file__).parent / "results" / "curate.json"


def paragraphs() -> list[str]:
    """Unique JSQuAD paragraphs without their ``title [SEP]`` head."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    found = [p["context"].split(" [SEP] ", 1)[-1].strip() for a in data["data"] for p in a["paragraphs"]]
    return list(dict.fromkeys(found))


def labelled_documents(sources: Sequence[str], per_kind: int) -> tuple[list[str], list[str]]:
    """``per_kind`` good paragraphs of ``sources``, then ``per_kind`` junk documents of each kind
    made from the next ones; each document's kind."""
    texts, kinds = list(sources[:per_kind]), ["good"] * per_kind
    for k, (kind, make) in enumerate(JUNK.items(), start=1):
        texts += [make(s, random.Random(i)) for i, s in enumerate(sources[per_kind * k : per_kind * (k + 1)])]
        kinds += [kind] * per_kind
    return texts, kinds


def english_paragraphs() -> list[str]:
    """Paragraphs of Python's help topics: English prose that ships with every interpreter."""
    from pydoc_data.topics import topics

    blocks = (b.strip() for text in topics.values() for b in re.split(r"\n\s*\n", text))
    prose = [" ".join(b.split()) for b in blocks if len(b) > 200 and b.count(" ") > 30 and ">>>" not in b]
    return list(dict.fromkeys(prose))


def auc(good: Sequence[float] | np.ndarray, bad: Sequence[float] | np.ndarray) -> float:
    labels = [1] * len(good) + [0] * len(bad)
    return round(float(roc_auc_score(labels, [*good, *bad])), 4)


def per_kind(scores: np.ndarray, kinds: Sequence[str]) -> dict[str, float]:
    """AUC of good against each junk kind, and against all junk together."""
    kind = np.array(kinds)
    good = scores[kind == "good"]
    result = {k: auc(good, scores[kind == k]) for k in JUNK}
    result["all"] = auc(good, scores[kind != "good"])
    return result


def timed(fn: Callable[[], Any], repeats: int = 1) -> tuple[Any, float]:
    """``fn``'s value and its fastest time over ``repeats`` calls (a millisecond call on a shared
    machine needs several; a model pass takes too long to repeat)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return value, min(times)


class CachedTeacher:
    """The judge's grades, computed once, served to the distill engine's training by text."""

    def __init__(self, judge: Judge, texts: Sequence[str], probabilities: np.ndarray) -> None:
        self.task = judge.task
        self.name = "cached score"
        self._by_text = {judge.rubric.clip(t): p for t, p in zip(texts, probabilities, strict=True)}

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        return np.array([self._by_text[str(r[TEXT])] for r in rows])


def heuristics(texts: list[str], kinds: list[str]) -> tuple[dict[str, Any], np.ndarray]:
    """AUC and docs/s of every filter's severity; the worst severity of each document."""
    rows: dict[str, Any] = {}
    severities = []
    for name in FILTERS:
        chosen = make_filter(name)
        values, seconds = timed(lambda f=chosen: np.array([f.severity(t) for t in texts]))  # type: ignore[misc]
        severities.append(values)
        removed = float((values > 1).mean())
        rows[name] = {
            "auc": per_kind(-values, kinds),
            "docs_per_s": round(len(texts) / seconds),
            "removed": removed,
        }
    worst = np.max(severities, axis=0)
    removed_good = float((worst[np.array(kinds) == "good"] > 1).mean())
    rows["all_heuristics"] = {
        "auc": per_kind(-worst, kinds),
        "removed_good": round(removed_good, 4),
        "removed_junk": {k: round(float((worst[np.array(kinds) == k] > 1).mean()), 4) for k in JUNK},
    }
    return rows, worst


def judge_rows(
    model: Any, texts: list[str], kinds: list[str], rubric: str, *, fluency: bool = False
) -> tuple[dict[str, Any], Judge, Any]:
    judge = Judge.build(model, load_rubric(rubric), fluency=fluency)
    judge.judge(texts[:2])  # the shared prefix is encoded once and its cache kept: not per document
    result, seconds = timed(lambda: judge.judge(texts))
    row = {"auc": per_kind(result.quality, kinds), "docs_per_s": round(len(texts) / seconds, 2)}
    if judge.bands is not None:
        measured = [f for f in result.fluency if f is not None]
        row["fluency_bands"] = {k: asdict(band) for k, band in judge.bands.bands.items()}
        row["unnatural"] = {
            k: int(sum(bool(result.unnatural[i]) for i in np.flatnonzero(np.array(kinds) == k)))
            for k in ("good", *JUNK)
        }
        for name in ("surprisal", "predictable", "ending"):
            values = np.array([getattr(f, name) or 0.0 for f in measured])
            sign = 1 if name == "ending" else -1  # a high ending is good, high surprisal is not
            row[f"auc_{name}_alone"] = per_kind(sign * values, kinds) if len(measured) == len(texts) else None
    row["mean_quality"] = {
        k: round(float(result.quality[np.array(kinds) == k].mean()), 3) for k in ("good", *JUNK)
    }
    return row, judge, result


def fluency_bands(model: Any, prose: dict[str, tuple[str, list[str]]], quantile: float) -> dict[str, Any]:
    """The judge's fluency band for ``model`` in each language, measured on good prose the benchmark
    never grades (``prose``: language -> (what it is, texts)); the entries of ``fluency.yaml``."""
    clip = load_rubric("educational").clip
    bands = {}
    for language, (what, texts) in prose.items():
        found, seconds = timed(lambda: read_fluency(model, texts, clip))  # noqa: B023 (called at once)
        measured_on = f"{quantile:.0%} quantile of {len(texts)} {what}"
        band = derive_band(model.name, language, found, quantile, measured_on)
        bands[language] = {**asdict(band), "docs_per_s": round(len(texts) / seconds, 1)}
    return bands


def distilled(
    model: Any, judge: Judge, texts: list[str], kinds: list[str], judged: Judgement, train_texts: list[str]
) -> dict[str, Any]:
    """Heads trained on the judge's verdicts of ``train_texts`` (documents made the same way from
    paragraphs outside the sample), evaluated on every benchmark document, none of them seen.

    The judge's default head (its whole verdict; token embeddings and text measures) beside the
    two it replaced: embeddings alone, and embeddings learning the grades without the fluency check.
    """
    taught, seconds = timed(lambda: judge.judge(train_texts))
    lowest = judge.rubric.lowest_grade
    verdicts, embeddings = taught.verdicts(lowest), text_features(model, "embeddings")
    variants = {
        "verdicts, embeddings + text measures (the default)": (verdicts, judge_features(model, "embeddings")),
        "verdicts, embeddings only": (verdicts, embeddings),
        "grades only, embeddings only (before)": (taught.probabilities, embeddings),
    }
    targets = {True: judged.verdicts(lowest), False: judged.probabilities}  # what each head imitates
    rows = [{TEXT: judge.rubric.clip(t)} for t in texts]
    found: dict[str, Any] = {"teacher_docs_per_s": round(len(train_texts) / seconds, 2)}
    for name, (labels, features) in variants.items():
        engine = DistillEngine(
            CachedTeacher(judge, train_texts, labels), features, sample_size=len(train_texts)
        )
        report = engine.fit([{TEXT: judge.rubric.clip(t)} for t in train_texts])
        head, seconds = timed(partial(engine.head_probabilities, rows), repeats=5)
        target = targets[name.startswith("verdicts")]
        found[name] = {
            "auc": per_kind(judge.rubric.quality(head), kinds),
            "agreement_with_judge": round(float((head.argmax(1) == target.argmax(1)).mean()), 4),
            "agreement_held_out_of_training": round(report.agreement, 4),
            "docs_per_s": round(len(texts) / seconds),
            "trained_on": report.trained_on,
        }
    return found


def plant_near_copies(
    texts: list[str], share: float, rng: random.Random
) -> tuple[list[str], set[tuple[int, int]]]:
    """The texts plus edited copies of a share of them; the (original, copy) index pairs."""
    out = list(texts)
    pairs = set()
    for i in rng.sample(range(len(texts)), int(len(texts) * share)):
        text = texts[i]
        edit = rng.choice(["header", "replace", "drop_tail", "spaces"])
        if edit == "header":
            copy = rng.choice(["【公式】", "[Updated] ", "転載：", "From the archive: "]) + text
        elif edit == "replace":
            chars = list(text)
            for j in rng.sample(range(len(chars)), max(1, len(chars) // 50)):
                chars[j] = rng.choice("のはがをにでとあいうabcde")
            copy = "".join(chars)
        elif edit == "drop_tail":
            copy = text[: int(len(text) * 0.92)]
        else:
            copy = text.replace("、", "， ").replace(", ", " , ")
        pairs.add((i, len(out)))
        out.append(copy)
    return out, pairs


def dedup_rows(ja: list[str], en: list[str], docs: int) -> dict[str, Any]:
    """Precision and recall of planted near copies, over shingle sizes and thresholds.

    A found pair counts as correct when it was planted or when its two texts really are that
    similar (exact Jaccard of their shingles at the threshold): the data holds a few near copies
    of its own, and finding them is not an error.
    """
    rng = random.Random(1)
    half = docs // 2
    base = rng.sample(ja, min(half, len(ja))) + rng.sample(en, min(half, len(en)))
    texts, planted = plant_near_copies(base, 0.2, rng)
    rows: dict[str, Any] = {"documents": len(texts), "planted_pairs": len(planted)}
    for ngram in (3, 5):
        shingled = [shingles(t, ngram) for t in texts]
        for threshold in (0.6, 0.7, 0.8):
            (clusters, exact), seconds = timed(
                lambda n=ngram, t=threshold: (  # type: ignore[misc]
                    NearDuplicates(threshold=t, ngram=n).clusters(texts),
                    exact_clusters(texts),
                )
            )
            found = {(a, b) for c in clusters for a in c for b in c if a < b}
            correct = {
                (a, b)
                for a, b in found
                if (a, b) in planted
                or len(shingled[a] & shingled[b]) / len(shingled[a] | shingled[b]) >= threshold
            }
            hits = found & planted
            ja_pairs = {p for p in planted if p[0] < half}
            rows[f"ngram_{ngram}_threshold_{threshold}"] = {
                "precision": round(len(correct) / len(found), 4) if found else None,
                "recall": round(len(hits) / len(planted), 4),
                "recall_ja": round(len(hits & ja_pairs) / max(1, len(ja_pairs)), 4),
                "recall_en": round(len(hits - ja_pairs) / max(1, len(planted - ja_pairs)), 4),
                "docs_per_s": round(len(texts) / seconds),
                "exact_clusters": len(exact),
            }
    rows["datasketch_same_texts_ngram_3_threshold_0.7"] = datasketch_reference(texts, 3, 0.7)
    return rows


def datasketch_reference(texts: list[str], ngram: int, threshold: float) -> dict[str, Any]:
    """The peer row: ``datasketch`` MinHash LSH (CRC32 shingle hash) over the same shingles, timed alike."""
    import zlib

    from datasketch import MinHash, MinHashLSH

    def clusters() -> set[tuple[int, int]]:
        sketches = MinHash.bulk(
            [{s.encode("utf-8") for s in shingles(t, ngram)} for t in texts],
            num_perm=128,
            hashfunc=zlib.crc32,
        )
        index, pairs = MinHashLSH(threshold=threshold, num_perm=128), set()
        for i, sketch in enumerate(sketches):
            pairs |= {(int(j), i) for j in index.query(sketch) if sketch.jaccard(sketches[j]) >= threshold}
            index.insert(i, sketch)
        return pairs

    (pairs, _), seconds = timed(lambda: (clusters(), exact_clusters(texts)))
    return {"docs_per_s": round(len(texts) / seconds), "pairs_found": len(pairs)}


def writer_rows(model: Any, judge: Judge, originals: list[str], tokens: int) -> dict[str, Any]:
    """The same model writes textbook rewrites; how well do its judge and the rules tell them apart?"""
    sources = [{"id": i, "text": t, "_line": i + 1} for i, t in enumerate(originals)]
    made, seconds = timed(lambda: synthesize(model, sources, SynthOptions(("textbook",), max_tokens=tokens)))
    rewrites = [r["text"] or " " for r in made]
    judged = judge.judge([*originals, *rewrites]).quality
    worst = np.array([max(make_filter(n).severity(t) for n in FILTERS) for t in [*originals, *rewrites]])
    n = len(originals)
    return {
        "rewrites": n,
        "judge_auc_original_vs_rewrite": auc(judged[:n], judged[n:]),
        "heuristics_auc_original_vs_rewrite": auc(-worst[:n], -worst[n:]),
        "mean_quality_original": round(float(judged[:n].mean()), 3),
        "mean_quality_rewrite": round(float(judged[n:].mean()), 3),
        "rewrites_removed_by_heuristics": round(float((worst[n:] > 1).mean()), 3),
        "seconds_per_rewrite": round(seconds / n, 1),
        "examples": [
            {"original": o[:120], "rewrite": r[:200]}
            for o, r in list(zip(originals, rewrites, strict=True))[:3]
        ],
    }


def plot(judge_quality: np.ndarray, kinds: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["good", *JUNK]
    figure, axis = plt.subplots(figsize=(9, 3.5))
    axis.boxplot([judge_quality[np.array(kinds) == k] for k in names], tick_labels=names)
    axis.set_ylabel("judge quality (educational rubric)")
    axis.set_title("Gemma 3 270M as judge: JSQuAD paragraphs vs generated junk")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--good", type=int, default=24, help="good paragraphs, and junk documents per kind")
    parser.add_argument(
        "--distill-train",
        type=int,
        default=448,
        help="documents made the same way from paragraphs outside the sample, graded to train the heads",
    )
    parser.add_argument("--rewrites", type=int, default=6)
    parser.add_argument("--rewrite-tokens", type=int, default=96)
    parser.add_argument("--dedup-docs", type=int, default=600)
    parser.add_argument("--no-ask-llm", action="store_true")
    parser.add_argument(
        "--derive-band",
        action="store_true",
        help="measure the judge's fluency band on unseen prose, then stop",
    )
    parser.add_argument(
        "--dedup-only", action="store_true", help="rerun de-duplication into the results file"
    )
    args = parser.parse_args()
    if args.dedup_only:
        stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
        stored["dedup"] = dedup_rows(paragraphs(), english_paragraphs(), args.dedup_docs)
        RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=2), encoding="utf-8")
        print(json.dumps(stored["dedup"], indent=1))
        return

    every = paragraphs()
    rng = random.Random(0)
    chosen = rng.sample(every, args.good * (len(JUNK) + 1))
    if args.derive_band:
        choice = choose_backend(load_settings(), "score")
        model = load_model(choice.settings)
        unseen = [p for p in every if p not in set(chosen)]
        stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
        prose = {
            "ja": ("JSQuAD paragraphs outside the benchmark's sample", unseen),
            "en": ("paragraphs of Python's help topics", english_paragraphs()),
        }
        bands = fluency_bands(model, prose, 0.99)
        stored["fluency_bands"] = bands
        RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=2), encoding="utf-8")
        keys = ("max_surprisal", "max_predictable", "min_ending", "measured_on")
        entry = {model.name: {lang: {k: band[k] for k in keys} for lang, band in bands.items()}}
        print(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False))
        return
    texts, kinds = labelled_documents(chosen, args.good)
    outside = [p for p in every if p not in set(chosen)]
    train_texts, _ = labelled_documents(
        rng.sample(outside, args.distill_train), args.distill_train // (len(JUNK) + 1)
    )
    results: dict[str, Any] = {"documents": len(texts), "good": args.good, "junk_per_kind": args.good}
    results["heuristics"], worst = heuristics(texts, kinds)
    results["dedup"] = dedup_rows(every, english_paragraphs(), args.dedup_docs)
    print(
        json.dumps(
            {"heuristics": results["heuristics"]["all_heuristics"], "dedup": results["dedup"]}, indent=1
        )
    )

    choice = choose_backend(load_settings(), "score")
    model, load_seconds = timed(lambda: load_model(choice.settings))
    results["model"] = {"name": model.name, **choice.as_dict(), "load_seconds": round(load_seconds, 1)}
    results["judge_grade_only"], _, _ = judge_rows(model, texts, kinds, "educational")
    print("judge, grade only", json.dumps(results["judge_grade_only"]))
    results["judge"], judge, judged = judge_rows(model, texts, kinds, "educational", fluency=True)
    print("judge", json.dumps(results["judge"]))
    combined = np.where(worst > 1, judged.quality - 1.0, judged.quality)
    results["combination"] = {
        "auc": per_kind(combined, kinds),
        "rule": "heuristics remove, judge ranks the rest",
    }
    # The rules' continuous severity first, the judge only among documents no rule tells apart.
    order = np.lexsort((-judged.quality, worst))
    ranked = np.empty(len(texts))
    ranked[order] = -np.arange(len(texts), dtype=float)
    results["severity_then_judge"] = {
        "auc": per_kind(ranked, kinds),
        "rule": "heuristic severity ranks, the judge orders documents of equal severity",
    }
    results["distilled_judge"] = distilled(model, judge, texts, kinds, judged, train_texts)
    print("distilled", json.dumps(results["distilled_judge"]))
    if not args.no_ask_llm:
        results["ask_llm"], _, _ = judge_rows(model, texts, kinds, "ask_llm")
        print("ask_llm", json.dumps(results["ask_llm"]))
    elif RESULTS.is_file() and "ask_llm" in (previous := json.loads(RESULTS.read_text(encoding="utf-8"))):
        results["ask_llm"] = {**previous["ask_llm"], "from_previous_run": True}
    results["judge_vs_writer"] = writer_rows(model, judge, chosen[: args.rewrites], args.rewrite_tokens)
    print("writer", json.dumps(results["judge_vs_writer"], ensure_ascii=False))
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["note"] = (
        f"measured on {os.cpu_count()} cores; documents/s fall when the machine is shared (compare the"
        " load average), AUCs do not"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    plot(judged.quality, kinds, RESULTS.with_suffix(".png"))
    table = [("scorer", "all", *JUNK)]
    for name, row in [
        ("judge", results["judge"]),
        ("judge_grade_only", results["judge_grade_only"]),
        ("ask_llm", results.get("ask_llm")),
        ("combination", results["combination"]),
        ("severity_then_judge", results["severity_then_judge"]),
        ("all_heuristics", results["heuristics"]["all_heuristics"]),
    ]:
        if row:
            table.append((name, *(f"{row['auc'][k]:.3f}" for k in ("all", *JUNK))))
    for name, row in results["distilled_judge"].items():
        if isinstance(row, dict):
            table.append((f"distilled, {name}", *(f"{row['auc'][k]:.3f}" for k in ("all", *JUNK))))
    for row in table:
        print(" | ".join(f"{c:>14}" for c in row))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
