"""Knowledge injection on fictional facts: how recall on held-out question forms grows with restatements.

Sweeps N restatements per fact in two arms at equal exposures (N distinct restatements, or one
restatement N times), each point trained from the base model in one epoch; the ``replay`` part
repeats the diverse point at ``--replay-paraphrases`` with general text mixed into every batch,
and the ``weights`` part trains that point once (without replay, or with it under
``--weights-with-replay``) and uses its update at each of ``--weights`` (weight-space
interpolation between the base and the trained model).
Per point: recall by score (true object against 4 same-relation distractors) and by greedy
generation, JCommonsenseQA accuracy on a fixed subset (read from ../shared/data/jglue, never
copied), and training time. Reference lines on the same probes: the base model closed-book,
retrieval (the facts' sentences in a knowledge base, the top passages before each question) and
long context (every fact's sentence before each question). Then merging: two adapters on
disjoint fact sets, combined with each peft method, both sets probed; and forgetting: a second
set trained on top of a first, under each remedy. The probe forms are the catalogue's held-out
questions, fixed before any run.

    .venv/bin/python benchmarks/memorize.py [--facts 50] [--paraphrases 1,3,10,30,100]
        [--arms diverse,repeated] [--jcqa 100] [--merge-facts 10] [--merge-paraphrases 30]
        [--parts sweep,replay,weights,reference,merge,forgetting] [--replay-paraphrases 100]
        [--weights 1,0.75,0.5,0.25] [--weights-with-replay --replay-ratio 1.0]

Prints each point as it finishes; writes benchmarks/results/memorize.json and memorize.png.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from sakuin.config import Settings, load_settings
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.base import base_model
from sakuin.memorize.evaluate import base_language_model
from sakuin.memorize.facts import Fact
from sakuin.memorize.fictional import fictional_facts
from sakuin.memorize.forgetting import REMEDIES, GeneralProbe, forgetting, load_jsquad_paragraphs
from sakuin.memorize.merge import METHODS, merge_adapters
from sakuin.memorize.options import REPLAY_LOSSES, ReplayLoss, TrainConfig
from sakuin.memorize.paraphrase import candidates
from sakuin.memorize.probes import Probe, build_probes, run_probes
from sakuin.memorize.sweep import choice_accuracy, load_jcommonsenseqa, sweep, weight_curve
from sakuin.memorize.teach import Lesson, teach
from sakuin.memorize.use import load_adapted
from sakuin.models.transformers import TransformersModel

RESULTS = Path(__file__).parent / "results"
JGLUE = Path(__file__).resolve().parents[2] / "shared" / "data" / "jglue"
JCQA = JGLUE / "jcommonsenseqa-valid-v1.3.json"
JSQUAD = JGLUE / "jsquad-valid-v1.3.json"
USER = "bench"


def train_config(
    args: argparse.Namespace, replay_ratio: float = 0.0, replay_loss: ReplayLoss | None = None
) -> TrainConfig:
    """The training options every part shares, from the command line."""
    return TrainConfig(
        seed=args.seed, batch_size=args.batch, learning_rate=args.lr, replay_ratio=replay_ratio,
        replay_loss=replay_loss or args.replay_loss,
    )  # fmt: skip


def stated(fact: Fact) -> str:
    """The sentence a document would hold: the fact's first restatement."""
    return candidates(fact)[0]


def with_context(probes: list[Probe], context: list[str]) -> list[Probe]:
    return [
        Probe(p.fact, f"{ctx}\n\n{p.prompt}", p.lead, p.answer, p.distractors)
        for p, ctx in zip(probes, context, strict=True)
    ]


def references(
    kb: KnowledgeBase, base: TransformersModel, facts: list[Fact], probes: list[Probe], k: int
) -> dict[str, Any]:
    """Closed-book, retrieval and long-context recall on the sweep's probes, with seconds per probe."""
    for number, fact in enumerate(facts):
        kb.ingestor.ingest_document(
            ParsedDocument(f"fact {number}", stated(fact), f"facts/{number}.txt", "text/plain"),
            parse_readers("everyone"),
        )
    found = {
        "closed_book": [""] * len(probes),
        "retrieval": ["\n".join(h.text for h in kb.search(p.prompt, USER, k=k)) for p in probes],
        "long_context": ["\n".join(stated(f) for f in facts)] * len(probes),
    }
    out = {}
    for name, context in found.items():
        started = time.perf_counter()
        chosen = probes if name == "closed_book" else with_context(probes, context)
        report = run_probes(base, chosen).to_json()
        report.pop("answers")
        out[name] = {**report, "seconds_per_probe": (time.perf_counter() - started) / len(probes)}
        print(name, out[name], flush=True)
    return out


def merging(settings: Settings, kb: KnowledgeBase, args: argparse.Namespace) -> dict[str, Any]:
    """Two adapters on disjoint fictional sets, alone and merged by each method."""
    both = fictional_facts(2 * args.merge_facts, seed=args.seed + 1)
    sets = {"a": both[0::2], "b": both[1::2]}
    config = train_config(args)
    for name, facts in sets.items():
        teach(settings, kb, facts, name, USER, lesson=Lesson(args.merge_paraphrases), config=config)

    def recall(adapter: str) -> dict[str, float]:
        model = load_adapted(settings, kb.store, adapter, USER)
        return {s: run_probes(model, build_probes(f), generate=False).accuracy for s, f in sets.items()}

    out: dict[str, Any] = {"alone": {name: recall(name) for name in sets}}
    for method in METHODS:
        started = time.perf_counter()
        merge_adapters(settings, kb.store, ["a", "b"], f"ab-{method}", USER, method=method, seed=args.seed)
        out[method] = {**recall(f"ab-{method}"), "merge_s": round(time.perf_counter() - started, 1)}
        print("merge", method, out[method], flush=True)
    return out


def general_replay(args: argparse.Namespace) -> list[str]:
    """Wikipedia paragraphs to replay, disjoint from the ones perplexity is measured on."""
    return load_jsquad_paragraphs(JSQUAD, args.general_texts, 200)


def forgetting_part(settings: Settings, args: argparse.Namespace, general: list[Any]) -> list[dict[str, Any]]:
    """A second fictional set trained on top of a first, under each remedy; both sets probed."""
    both = fictional_facts(2 * args.forget_facts, seed=args.seed + 2)
    probe = GeneralProbe(load_jsquad_paragraphs(JSQUAD, 0, args.general_texts), general)
    replay = general_replay(args)
    config = train_config(args, args.replay_ratio, "text")  # its remedies replay the first set's facts
    return forgetting(
        base_model(settings).directory, both[0::2], both[1::2], paraphrases=args.forget_paraphrases,
        config=config, general=probe, general_replay=replay, remedies=args.remedies.split(","),
        on_stage=lambda row: print("forgetting", json.dumps(row), flush=True),
    )  # fmt: skip


def curve_label(rows: list[dict[str, Any]]) -> str:
    """How a weight curve's point was trained, as its legend says it."""
    first = rows[0]
    how = (
        f"replay {first.get('replay_loss', 'text')} {first['replay_ratio']:g}"  # older rows: text
        if first.get("replay_ratio")
        else "no replay"
    )
    return f"N = {first['paraphrases']}, {how}"


def plot_trade(results: dict[str, Any], path: Path) -> None:
    """Recall against JCommonsenseQA accuracy: each trained update used at each weight, and replay."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.5, 4.8))
    curves = results.get("weight_curves") or {curve_label(results["weights"]): results["weights"]}
    for label, rows in curves.items():
        general, recall = [r["general_accuracy"] for r in rows], [r["accuracy"] for r in rows]
        axis.plot(general, recall, "o-", label=f"{label}: update x weight")
        for row, x, y in zip(rows, general, recall, strict=True):
            axis.annotate(f"{row['weight']:g}", (x, y), textcoords="offset points", xytext=(4, 4))
    for row in results.get("replay", []):
        label = f"replay ratio {row['replay_ratio']:g}"
        axis.plot([row["general_accuracy"]], [row["accuracy"]], "*", markersize=12, label=label)
    if results.get("base_general_accuracy") is not None:
        base = results["base_general_accuracy"]
        axis.axvline(base, color="grey", linestyle=":", label="base model")
        axis.axvspan(base - 0.02, base, color="grey", alpha=0.12, label="within 2 points of the base")
    axis.set_xlabel("JCommonsenseQA accuracy")
    axis.set_ylabel("held-out-form recall (score)")
    axis.set_title("Recall against forgetting: a trained update used at a weight")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def plot(results: dict[str, Any], path: Path) -> None:
    """Recall by score and by generation, and JCommonsenseQA accuracy, against restatements."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    panels = [("accuracy", "recall by score"), ("generation", "recall by generation")]
    if results.get("base_general_accuracy") is not None:
        panels.append(("general_accuracy", "JCommonsenseQA (what training costs)"))
    for axis, (key, title) in zip(axes, panels, strict=False):
        for arm, style in (("diverse", "o-"), ("repeated", "s--")):
            rows = [r for r in results["sweep"] if r["arm"] == arm and r.get(key) is not None]
            axis.plot([r["paraphrases"] for r in rows], [r[key] for r in rows], style, label=arm)
        for row in results.get("replay", []):
            axis.plot([row["paraphrases"]], [row[key]], "*", markersize=12, label="diverse + general replay")
        if key == "general_accuracy":
            axis.axhline(results["base_general_accuracy"], color="grey", linestyle=":", label="base model")
        for name, colour in (("closed_book", "grey"), ("retrieval", "green"), ("long_context", "purple")):
            if key != "general_accuracy" and name in results.get("reference", {}):
                axis.axhline(results["reference"][name][key], color=colour, linestyle=":", label=name)
        if key != "generation":
            axis.axhline(0.2, color="black", linewidth=0.5, label="chance (5 choices)")
        axis.set_xscale("log")
        axis.set_xlabel("restatements (exposures) per fact")
        axis.set_ylim(-0.02, 1.02)
        axis.set_title(title)
        axis.legend(fontsize=7)
    for axis in axes[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle(f"held-out question forms, {results['facts']} fictional facts, {results['model']}")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def plot_forgetting(results: dict[str, Any], path: Path) -> None:
    """Recall of both sets and general-text perplexity at each stage of the forgetting part."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["forgetting"]
    stages = [r["stage"] for r in rows]
    figure, (recall, perplexity) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.4
    for offset, key, label in (
        (-width / 2, "recall_first", "first set"),
        (width / 2, "recall_second", "second set"),
    ):
        recall.bar([i + offset for i in range(len(rows))], [r[key] for r in rows], width, label=label)
    recall.axhline(0.2, color="black", linewidth=0.5, label="chance")
    recall.set_ylim(0, 1.02)
    recall.set_title("recall on held-out forms")
    recall.legend(fontsize=7)
    perplexity.bar(range(len(rows)), [r["perplexity"] for r in rows], color="grey")
    perplexity.set_title("general-text perplexity (JSQuAD paragraphs)")
    for axis in (recall, perplexity):
        axis.set_xticks(range(len(rows)), stages, rotation=20, fontsize=8)
    setup = results.get("forgetting_config", {})
    figure.suptitle(
        f"second set trained on top of the first: {setup.get('facts_per_set')} facts per set, "
        f"N = {setup.get('paraphrases')}, replay ratio {setup.get('replay_ratio')}"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=50)
    parser.add_argument("--paraphrases", default="1,3,10,30,100")
    parser.add_argument("--arms", default="diverse,repeated", help="of: diverse, repeated")
    parser.add_argument("--jcqa", type=int, default=100, help="JCommonsenseQA questions (0: skip)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--merge-facts", type=int, default=10)
    parser.add_argument("--merge-paraphrases", type=int, default=30)
    parser.add_argument("--forget-facts", type=int, default=8, help="facts in each of the two sets")
    parser.add_argument("--forget-paraphrases", type=int, default=10)
    parser.add_argument("--replay-ratio", type=float, default=0.5, help="replay texts per training text")
    parser.add_argument(
        "--replay-loss", choices=REPLAY_LOSSES, default="base",
        help="what replayed general text teaches (the forgetting part always replays text)",
    )  # fmt: skip
    parser.add_argument(
        "--replay-paraphrases", type=int, default=100, help="N of the diverse point the replay part repeats"
    )
    parser.add_argument(
        "--weights", default="1,0.75,0.5,0.25", help="weights the weights part uses the trained update at"
    )
    parser.add_argument(
        "--weights-with-replay", action="store_true", help="weights part: train its point with replay"
    )
    parser.add_argument("--remedies", default=",".join(REMEDIES), help="of: " + ", ".join(REMEDIES))
    parser.add_argument("--general-texts", type=int, default=20, help="JSQuAD paragraphs for perplexity")
    parser.add_argument(
        "--parts", default="sweep,replay,reference,merge,forgetting",
        help="parts to run (plot: redraw the PNGs); the others keep their numbers from an earlier --out",
    )  # fmt: skip
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "sakuin-memorize-bench"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "memorize.json")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    settings = load_settings(args.data_dir, model={"name": "gemma-3-270m", "backend": "transformers"})
    threads = torch.get_num_threads()
    kb = KnowledgeBase(settings)
    kb.store.add_user(USER)
    facts = fictional_facts(args.facts, seed=args.seed)
    probes = build_probes(facts)
    general = load_jcommonsenseqa(JCQA, args.jcqa) if args.jcqa else []
    base = base_language_model(settings)
    results: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    if parts & {"sweep", "reference"}:  # what the sweep's and the references' numbers were measured with
        results.update(
            model=settings.model.name, facts=len(facts), probes=len(probes), threads=threads,
            config=train_config(args).to_json(),
            jcqa_questions=len(general),
            base_general_accuracy=choice_accuracy(base, general) if general else None,
        )  # fmt: skip
    print("base JCommonsenseQA", results.get("base_general_accuracy"), flush=True)

    def save() -> None:
        """After every part, so that an interrupted run keeps what it measured."""
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    if "reference" in parts:
        results["reference"] = references(kb, base, facts, probes, k=3)
        save()
    del base
    if "sweep" in parts:
        counts = [int(n) for n in args.paraphrases.split(",")]
        results["sweep"] = sweep(
            base_model(settings).directory, facts, counts, arms=args.arms.split(","),
            config=train_config(args), general=general,
            on_point=lambda row: print(json.dumps(row), flush=True),
        )  # fmt: skip
        save()
    if "replay" in parts:
        results["replay"] = sweep(
            base_model(settings).directory, facts, [args.replay_paraphrases], arms=["diverse"],
            config=train_config(args, args.replay_ratio), general=general, replay=general_replay(args),
            on_point=lambda row: print("replay", json.dumps(row), flush=True),
        )  # fmt: skip
        save()
    if "weights" in parts:
        replayed = args.weights_with_replay
        results["weights"] = weight_curve(
            base_model(settings).directory, facts, args.replay_paraphrases,
            [float(w) for w in args.weights.split(",")],
            config=train_config(args, args.replay_ratio if replayed else 0.0), general=general,
            replay=general_replay(args) if replayed else (),
            on_point=lambda row: print("weight", json.dumps(row), flush=True),
        )  # fmt: skip
        results.setdefault("weight_curves", {})[curve_label(results["weights"])] = results["weights"]
        if results.get("base_general_accuracy") is None and general:
            results["base_general_accuracy"] = choice_accuracy(base_language_model(settings), general)
        save()
        plot_trade(results, args.out.with_name(args.out.stem + "-trade.png"))
    if "merge" in parts:
        results["merge"] = merging(settings, kb, args)
        save()
    if "forgetting" in parts:
        results["forgetting"] = forgetting_part(settings, args, general)
        results["forgetting_config"] = {
            "facts_per_set": args.forget_facts, "paraphrases": args.forget_paraphrases,
            "replay_ratio": args.replay_ratio, "general_texts": args.general_texts, "batch": args.batch,
            "jcqa_questions": len(general), "threads": threads, "model": settings.model.name,
        }  # fmt: skip
        save()
    if results.get("sweep"):  # the plots are redrawn from the JSON after any part (alone: --parts plot)
        plot(results, args.out.with_suffix(".png"))
    if results.get("forgetting"):
        plot_forgetting(results, args.out.with_name(args.out.stem + "-forgetting.png"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
