"""Data curation: a small model judges quality, rules filter, MinHash de-duplicates, the model rewrites.

Judging whether a text is good is easier than writing it, so even a small model can judge: the
judge (:mod:`~sakuin.curate.judge`) reads a rubric's grade probabilities in one forward pass on the
``score`` machinery of :mod:`sakuin.classify`, or a head distilled from it. Heuristic filters
(:mod:`~sakuin.curate.filters`), exact and near-duplicate removal (:mod:`~sakuin.curate.dedup`) and
synthetic rewrites (:mod:`~sakuin.curate.synth`) complete it; :mod:`~sakuin.curate.pipeline` runs
them from a YAML file, locally or on Ray, and :mod:`~sakuin.curate.report` says what each step did.
"""

from __future__ import annotations

from sakuin.curate.dedup import NearDuplicates, exact_clusters
from sakuin.curate.filters import FILTERS, Filter, make_filter
from sakuin.curate.judge import Judge, Judgement
from sakuin.curate.pipeline import PipelineResult, PipelineSpec, load_pipeline, parse_pipeline, run_pipeline
from sakuin.curate.records import Corpus, CurateError, read_records, write_records
from sakuin.curate.rubric import Rubric, load_rubric

__all__ = [
    "FILTERS",
    "Corpus",
    "CurateError",
    "Filter",
    "Judge",
    "Judgement",
    "NearDuplicates",
    "PipelineResult",
    "PipelineSpec",
    "Rubric",
    "exact_clusters",
    "load_pipeline",
    "load_rubric",
    "make_filter",
    "parse_pipeline",
    "read_records",
    "run_pipeline",
    "write_records",
]
