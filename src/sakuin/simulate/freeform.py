"""Free-form script writing for larger models: request → script → sandboxed run → error → repair.

The spec path (``request.py`` + ``script.py``) covers what the schema can say; a capable model
behind the openai backend can also write a script for anything else. Each attempt runs in the
same sandbox; its error (rejected import, traceback line, killed at a limit) goes back to the
model with the script, for a bounded number of attempts. The default 270M base model cannot do
this usefully; the loop is the same for every backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sakuin.errors import ScriptRejectedError, SimulationFailedError
from sakuin.models.base import LanguageModel, Message
from sakuin.simulate.sandbox import ALLOWED_IMPORTS, Event, Limits, run_script

INSTRUCTIONS = (
    "Write one complete Python script with ASE that does the simulation below. Use only these "
    f"modules: {', '.join(sorted(ALLOWED_IMPORTS))}. Use ase.calculators.emt.EMT unless the request "
    "names CHGNet (chgnet.model.dynamics.CHGNetCalculator) or SevenNet "
    '(sevenn.calculator.SevenNetCalculator(model="7net-0", device="cpu")). Write only into the '
    'current directory. At the end write results.json as {"rows": [{"variant": ..., <quantity>_eV: '
    "...}]}. Answer with the script in one ```python block."
)
_CODE = re.compile(r"```(?:python)?\n(.*?)(?:```|$)", re.DOTALL)


def _conversation(model: LanguageModel, request: str, history: list[tuple[str, str]]) -> Any:
    """Chat messages for chat models, a plain document for base models."""
    if model.has_chat_template:
        messages = [Message("system", INSTRUCTIONS), Message("user", request)]
        for script, error in history:
            messages += [
                Message("assistant", f"```python\n{script}\n```"),
                Message("user", f"Running it failed: {error}\nFix the script."),
            ]
        return messages
    text = f"{INSTRUCTIONS}\n\nRequest: {request}\n"
    for script, error in history:
        text += f"\n```python\n{script}\n```\nRunning it failed: {error}\nFixed script:\n"
    return text + "\n```python\n"


def write_and_run(
    request: str,
    model: LanguageModel,
    folder: Path,
    limits: Limits,
    *,
    attempts: int = 3,
    max_tokens: int = 2048,
    on_event: Callable[[Event], None] | None = None,
) -> tuple[Path, list[dict[str, Any]]]:
    """Have ``model`` write a script, run it, and repair it from its errors, ``attempts`` times at most.

    Returns the folder of the attempt that worked and its result rows; raises
    :class:`SimulationFailedError` naming the last error when none did. Every attempt's script
    stays in ``folder/attempt-N`` for the scientist to read.
    """
    history: list[tuple[str, str]] = []
    for number in range(1, attempts + 1):
        reply = model.generate(_conversation(model, request, history), max_tokens=max_tokens).text
        found = _CODE.search(reply)
        script = (found.group(1) if found else reply).strip() + "\n"
        attempt = folder / f"attempt-{number}"
        attempt.mkdir(parents=True, exist_ok=True)
        try:
            run_script(script, attempt, limits, on_event=on_event)
            results = attempt / "results.json"
            if not results.is_file():
                raise SimulationFailedError("it finished without writing results.json")
            rows: list[dict[str, Any]] = json.loads(results.read_text(encoding="utf-8"))["rows"]
            return attempt, rows
        except (ScriptRejectedError, SimulationFailedError, json.JSONDecodeError, KeyError, TypeError) as exc:
            (attempt / "simulate.py").write_text(script, encoding="utf-8")
            history.append((script, str(exc) or type(exc).__name__))
    raise SimulationFailedError(
        f"the model wrote no working script in {attempts} attempts (scripts in {folder}); "
        f"last error: {history[-1][1]}"
    )
