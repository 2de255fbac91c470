"""What a curation run tells its user: counts per step, why records went, the judge's threshold.

The report is JSON (written next to the output as ``<out>.report.json``) with, per step, how many
records it saw and removed and its most common reasons; the bad input lines with their numbers;
de-duplication clusters; and, for each judge, a histogram of the quality it gave (a PNG beside
the report) and the records nearest its threshold on either side: the ones a person should read
to decide whether the threshold is right.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from sakuin.classify.distill import DistillReport
from sakuin.curate.pipeline import REMOVED, STEP, PipelineResult
from sakuin.curate.records import LINE, Record
from sakuin.curate.steps import JUDGE_STEPS, DedupStep, JudgeStep, JudgeTarget, judge_target

EXAMPLES = 3  # records shown on each side of a threshold, and removed records shown per step
SNIPPET = 160  # characters of a record's text shown in an example


def build_report(result: PipelineResult) -> dict[str, Any]:
    """The report of a run as plain data (see the module docstring)."""
    text_field = result.spec.text_field
    steps = []
    for position, (spec, step, stats) in enumerate(
        zip(result.spec.steps, result.steps, result.stats, strict=True)
    ):
        removed = [r for r in result.records if r.get(STEP) == position]
        entry: dict[str, Any] = {
            **asdict(stats),
            "seconds": round(stats.seconds, 3),
            "reasons": dict(Counter(_reason_kind(r[REMOVED]) for r in removed).most_common(8)),
            "removed_examples": [_example(r, text_field) for r in removed[:EXAMPLES]],
        }
        if isinstance(step, DedupStep):
            entry["clusters"] = step.clusters
        if spec.name in JUDGE_STEPS:
            distill = step.distill if isinstance(step, JudgeStep) else None
            entry |= _judge_summary(judge_target(spec), distill, result.records, text_field)
        steps.append(entry)
    seconds = result.seconds
    return {
        "engine": result.engine,
        "input_records": len(result.corpus.records) + len(result.corpus.bad),
        "bad_records": len(result.corpus.bad),
        "bad_lines": [{"line": b.line, "reason": b.reason} for b in result.corpus.bad],
        "kept": len(result.kept),
        "removed": len(result.removed),
        "seconds": round(seconds, 3),
        "records_per_second": round(len(result.corpus.records) / seconds, 1) if seconds else None,
        "steps": steps,
        **result.extra,
    }


def _reason_kind(reason: str) -> str:
    """A reason without its numbers: ``"length: words 3 < 10"`` counts as ``"length: words"``."""
    head, _, rest = reason.partition(": ")
    return f"{head}: {rest.split(' ')[0].rstrip(':')}" if rest else head


def _example(record: Record, text_field: str) -> dict[str, Any]:
    text = str(record[text_field])
    shown = {"line": record[LINE], "text": text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")}
    if REMOVED in record:
        shown["reason"] = record[REMOVED]
    return shown


def _judge_summary(
    step: JudgeTarget, distill: DistillReport | None, records: list[Record], text_field: str
) -> dict[str, Any]:
    """Quality histogram and the records nearest the threshold, kept and removed."""
    judged = [r for r in records if r.get(step.field) is not None]
    qualities = np.array([r[step.field] for r in judged], dtype=np.float64)
    counts, edges = np.histogram(qualities, bins=10, range=(0.0, 1.0))
    summary: dict[str, Any] = {
        "field": step.field,
        "rubric": step.rubric,
        "threshold": step.threshold,
        "judged": len(judged),
        "histogram": {"edges": [round(float(e), 2) for e in edges], "counts": counts.tolist()},
        "mean_quality": round(float(qualities.mean()), 4) if len(qualities) else None,
    }
    if distill is not None:
        summary["distill"] = {
            "sample": distill.sample,
            "trained_on": distill.trained_on,
            "held_out": distill.held_out,
            "agreement": round(distill.agreement, 4),
        }
    if step.threshold is not None:
        above = sorted((r for r in judged if r[step.field] >= step.threshold), key=lambda r: r[step.field])
        below = sorted((r for r in judged if r[step.field] < step.threshold), key=lambda r: -r[step.field])
        summary["kept_near_threshold"] = [_judged(r, step, text_field) for r in above[:EXAMPLES]]
        summary["removed_near_threshold"] = [_judged(r, step, text_field) for r in below[:EXAMPLES]]
    return summary


def _judged(record: Record, step: JudgeTarget, text_field: str) -> dict[str, Any]:
    return {**_example(record, text_field), step.field: record[step.field]}


def plot_histograms(report: dict[str, Any], path: Path) -> Path | None:
    """A PNG of each judge's quality histogram with its threshold; None when no step judged."""
    judges = [s for s in report["steps"] if "histogram" in s]
    if not judges:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(judges), figsize=(5 * len(judges), 3.2), squeeze=False)
    for axis, judge in zip(axes[0], judges, strict=True):
        edges = judge["histogram"]["edges"]
        axis.bar(edges[:-1], judge["histogram"]["counts"], width=edges[1] - edges[0], align="edge")
        if judge["threshold"] is not None:
            axis.axvline(judge["threshold"], color="red", linestyle="--", label="threshold")
            axis.legend()
        axis.set_xlabel(f"{judge['field']} ({judge['rubric']})")
        axis.set_ylabel("records")
        axis.set_title(f"{judge['name']}: {judge['judged']} judged")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_report(report: dict[str, Any], output: Path) -> tuple[Path, Path | None]:
    """``<output>.report.json`` and, when a judge ran, ``<output>.quality.png``."""
    json_path = output.with_name(output.name + ".report.json")
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return json_path, plot_histograms(report, output.with_name(output.name + ".quality.png"))
