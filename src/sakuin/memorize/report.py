"""What the memorize page shows: the benchmark's recall-against-N curves and its comparison of routes
(weights, retrieval, long context), and the adapters the visitor may use.

The curves are drawn as inline SVG from the benchmark JSON (``benchmarks/results/memorize.json``
of a source checkout, or the file ``SAKUIN_MEMORIZE_RESULTS`` names), so the page needs no script
or chart library; without results the page says how to make them.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sakuin.knowledge.store.base import Store
from sakuin.memorize.adapters import AdapterRegistry, Manifest
from sakuin.memorize.permissions import may_use

RESULTS = Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "memorize.json"
WIDTH, HEIGHT, MARGIN = 520, 260, 40
REFERENCES = (("closed_book", "#888"), ("retrieval", "#2a7"), ("long_context", "#85c"))
ARMS = (("diverse", "#c33"), ("repeated", "#36c"))


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: str  # SVG polyline points
    dashed: bool = False


def results_path() -> Path:
    return Path(os.environ.get("SAKUIN_MEMORIZE_RESULTS", RESULTS))


def load_results(path: Path | None = None) -> dict[str, Any] | None:
    """The benchmark's JSON, or None when it has not been run (or cannot be read)."""
    try:
        data: dict[str, Any] = json.loads((path or results_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def _x(n: int, largest: int) -> float:
    span = math.log10(max(largest, 2))
    return MARGIN + (WIDTH - 2 * MARGIN) * math.log10(max(n, 1)) / span


def _y(value: float) -> float:
    return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * value


def curve(results: dict[str, Any], key: str = "accuracy") -> dict[str, Any]:
    """SVG lines of recall against restatements per arm, reference routes as flat lines, and ticks."""
    rows = results.get("sweep", [])
    counts = sorted({int(r["paraphrases"]) for r in rows}) or [1]
    largest = counts[-1]
    lines = []
    for arm, colour in ARMS:
        chosen = sorted(
            (int(r["paraphrases"]), r[key]) for r in rows if r["arm"] == arm and r[key] is not None
        )
        if chosen:
            points = " ".join(f"{_x(n, largest):.1f},{_y(v):.1f}" for n, v in chosen)
            lines.append(Line(arm, colour, points))
    for name, colour in REFERENCES:
        value = results.get("reference", {}).get(name, {}).get(key)
        if value is not None:
            y = _y(value)
            lines.append(Line(name, colour, f"{MARGIN},{y:.1f} {WIDTH - MARGIN},{y:.1f}", dashed=True))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "lines": lines,
        "x_ticks": [(n, round(_x(n, largest), 1)) for n in counts],
        "y_ticks": [(v, round(_y(v), 1)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)],
        "chance_y": round(_y(0.2), 1),
        "left": MARGIN,
        "right": WIDTH - MARGIN,
        "bottom": HEIGHT - MARGIN,
    }


def comparison(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per route on the same probes: recall by score and generation, JCommonsenseQA
    accuracy (what the route costs the model's general knowledge) and what it costs in time."""
    base_general = results.get("base_general_accuracy")
    rows = []
    for name, _ in REFERENCES:
        found = results.get("reference", {}).get(name)
        if found:
            rows.append({
                "route": name, "accuracy": found["accuracy"], "generation": found["generation"],
                "general": base_general, "cost": f"{found['seconds_per_probe']:.1f} s / probe",
            })  # fmt: skip
    diverse = sorted(
        (r for r in results.get("sweep", []) if r["arm"] == "diverse"), key=lambda r: r["paraphrases"]
    )
    # the diverse point at each replayed N stands beside it, with the largest N
    replayed_at = {r["paraphrases"] for r in results.get("replay", [])}
    trained = [r for r in diverse if r["paraphrases"] in replayed_at or r is diverse[-1]]
    for row in [*trained, *results.get("replay", [])]:
        replay = f", general replay {row['replay_ratio']:g}" if row.get("replay_ratio") else ""
        rows.append({
            "route": f"adapter (N = {row['paraphrases']}, diverse{replay})", "accuracy": row["accuracy"],
            "generation": row["generation"], "general": row.get("general_accuracy"),
            "cost": f"{row['train_s']:.0f} s training, once",
        })  # fmt: skip
    return rows


def usable_adapters(registry: AdapterRegistry, store: Store, user: str) -> list[Manifest]:
    """The adapters ``user`` may use (readable corrupt folders are skipped, as in ``adapters list``)."""
    manifests, _ = registry.manifests()
    return [m for m in manifests if may_use(m, user, store)]


def page_data(registry: AdapterRegistry, store: Store, user: str) -> dict[str, Any]:
    """Everything the memorize page shows, for ``user``."""
    results = load_results()
    return {
        "adapters": usable_adapters(registry, store, user),
        "results": results,
        "results_path": str(results_path()),
        "curve": curve(results) if results and results.get("sweep") else None,
        "comparison": comparison(results) if results else [],
        "forgetting": (results or {}).get("forgetting", []),
        "merge": (results or {}).get("merge", {}),
    }
