"""Speed of the default model in each local backend, measured side by side in one run.

For Gemma 3 270M on this machine: load time, resident memory, prefill and decode tokens/s, and
``score`` items/s for five single-token labels with and without the prompt-prefix cache. Each
backend runs in its own process so its memory is its own. Prints a table and writes
``benchmarks/results/models.json``.

    .venv/bin/python benchmarks/models.py [--items 40] [--backends llama_cpp,transformers]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "models.json"
LABELS = [" positive", " negative", " neutral", " mixed", " unclear"]
REVIEWS = [
    "Arrived quickly and works exactly as described.",
    "The battery died after a week. Very disappointed.",
    "It is fine, nothing special.",
    "Great sound, but the case feels cheap.",
    "I have no idea whether I like it yet.",
    "Customer support solved my problem in minutes.",
    "Too expensive for what you get.",
    "My kids love it and use it every day.",
    "The manual is confusing and the app keeps crashing.",
    "Does the job.",
    "届いてすぐに使えて、とても便利です。",
    "一週間で壊れました。二度と買いません。",
    "普通です。特に良くも悪くもありません。",
    "デザインは好きですが、重すぎます。",
    "まだ使い始めたばかりで何とも言えません。",
    "サポートの対応が丁寧で安心しました。",
    "値段の割に品質が低いと思います。",
    "家族全員が気に入っています。",
    "説明書が分かりにくく、設定に苦労しました。",
    "期待通りの性能でした。",
]
FEW_SHOT_PREFIX = (
    "Classify the sentiment of each product review as positive, negative, neutral, mixed or unclear.\n\n"
    "Review: The battery lasts all day and the screen is gorgeous.\nSentiment: positive\n\n"
    "Review: 届いた箱がつぶれていて、電源も入りませんでした。\nSentiment: negative\n\n"
    "Review: 良いところも悪いところもあります。\nSentiment: mixed\n\n"
)
HEADERS = {
    "load_s": "load s",
    "resident_mib": "RSS MiB",
    "prefill_tokens_per_s": "prefill tok/s",
    "decode_tokens_per_s": "decode tok/s",
    "score_items_per_s_no_cache": "score/s uncached",
    "score_items_per_s_prefix_cache": "score/s cached",
    "prefix_cache_speedup": "cache ×",
}
LONG_PROMPT = "東京は日本の首都であり、政治と経済の中心です。 Tokyo is the capital of Japan. " * 20


def measure(backend: str, items: int, models_dir: str) -> dict[str, Any]:
    """Everything for one backend, in a fresh process (called through multiprocessing)."""
    import psutil

    from sakuin.config import load_settings
    from sakuin.models import load_model
    from sakuin.models.base import LocalLanguageModel, ScoreRequest
    from sakuin.models.packaged import PACKAGED_MODELS

    process = psutil.Process()
    settings = load_settings(Path(models_dir).parent, model={"backend": backend, "context_length": 2048})
    PACKAGED_MODELS[settings.model.name].locate(settings.models_dir)  # assembling is not loading
    rss_before = process.memory_info().rss
    start = time.perf_counter()
    model = load_model(settings)
    load_s = time.perf_counter() - start
    rss_mib = (process.memory_info().rss - rss_before) / 2**20
    assert isinstance(model, LocalLanguageModel)

    model.generate("warm up", max_tokens=2)
    prompt_tokens = model.count_tokens(LONG_PROMPT)
    start = time.perf_counter()
    model.generate(LONG_PROMPT, max_tokens=1)
    prefill_tps = prompt_tokens / (time.perf_counter() - start)

    short = "Once upon a time, in a small village by the sea,"
    start = time.perf_counter()
    one = model.generate(short, max_tokens=1)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    done = model.generate(short, max_tokens=64)
    decode_tps = (done.completion_tokens - one.completion_tokens) / (time.perf_counter() - start - first_s)

    texts = (REVIEWS * (items // len(REVIEWS) + 1))[:items]
    requests = [ScoreRequest(f"Review: {t}\nSentiment:", LABELS) for t in texts]
    model.score_batch(requests[:2], shared_prefix=FEW_SHOT_PREFIX)  # warm, and fill the cache once
    timings = {}
    for use_cache in (False, True):
        start = time.perf_counter()
        model.score_batch(requests, shared_prefix=FEW_SHOT_PREFIX, use_cache=use_cache)
        timings[use_cache] = items / (time.perf_counter() - start)
    model.close()
    return {
        "backend": backend,
        "load_s": round(load_s, 2),
        "resident_mib": round(rss_mib),
        "prefill_tokens_per_s": round(prefill_tps, 1),
        "decode_tokens_per_s": round(decode_tps, 1),
        "score_items_per_s_no_cache": round(timings[False], 1),
        "score_items_per_s_prefix_cache": round(timings[True], 1),
        "prefix_cache_speedup": round(timings[True] / timings[False], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=40, help="reviews to score per measurement")
    parser.add_argument("--backends", default="llama_cpp,transformers")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SAKUIN_BENCH_DATA", ""),
        help="reuse a data directory (keeps the converted checkpoint between runs)",
    )
    args = parser.parse_args()
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sakuin-bench-"))
    models_dir = str(data_dir / "models")

    from sakuin.config import load_settings
    from sakuin.models.packaged import PACKAGED_MODELS

    gguf = PACKAGED_MODELS["gemma-3-270m"].locate(Path(models_dir))
    conversion_s = None
    if "transformers" in args.backends and not (Path(models_dir) / f"{gguf.stem}-hf").exists():
        from sakuin.models.transformers import convert_gguf

        start = time.perf_counter()
        convert_gguf(gguf, load_settings(data_dir).models_dir)
        conversion_s = round(time.perf_counter() - start, 1)

    rows = []
    context = multiprocessing.get_context("spawn")
    for backend in args.backends.split(","):
        with context.Pool(1) as pool:
            rows.append(pool.apply(measure, (backend, args.items, models_dir)))

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Gemma 3 270M on {os.cpu_count()} CPU cores ({args.items} items, 5 labels)")
    for column in rows[0]:
        table.add_column(HEADERS.get(column, column), justify="right")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)
    if conversion_s is not None:
        Console().print(f"one-time GGUF → fp32 checkpoint conversion for transformers: {conversion_s} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "model": "gemma-3-270m (Q4_K_M GGUF; transformers: fp32 dequantised)",
                "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
                "items": args.items,
                "gguf_to_hf_conversion_s": conversion_s,
                "backends": rows,
                "ratios": {
                    "llama_cpp_over_transformers_decode": _ratio(rows, "decode_tokens_per_s"),
                    "llama_cpp_over_transformers_score_cached": _ratio(
                        rows, "score_items_per_s_prefix_cache"
                    ),
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS}")


def _ratio(rows: list[dict[str, Any]], key: str) -> float | None:
    by: dict[str, float] = {row["backend"]: float(row[key]) for row in rows}
    if "llama_cpp" in by and "transformers" in by and by["transformers"]:
        return round(by["llama_cpp"] / by["transformers"], 2)
    return None


if __name__ == "__main__":
    main()
