"""Which backend a classification runs on when the user named none: the one place that decides.

``score`` and ``distill`` read label log-likelihoods of many items behind one shared prefix.
llama.cpp's scorer decodes those items one at a time; the transformers backend pads them into
batches that attend to the prefix's KV cache in place, projects only onto the label tokens and,
on CPUs that multiply bfloat16 in hardware (AMX or AVX-512 BF16), runs in bfloat16. There it is
several times faster per item (README "Classification": the default-path benchmark). So when no
backend was set anywhere (``--backend``, ``SAKUIN_MODEL__BACKEND``, ``config.toml``), a packaged
model scores on transformers in bfloat16; ``generate`` stays on llama.cpp, which decodes faster.
A backend set anywhere always wins, and so does a precision set anywhere.

The CLI, the Python API and the server's classify job all ask :func:`choose_backend`, and every
run says which backend it used (:meth:`BackendChoice.describe`, :meth:`BackendChoice.as_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sakuin.config import Settings
from sakuin.models.packaged import PACKAGED_MODELS

SCORING_ENGINES = ("score", "distill")


@dataclass(frozen=True)
class BackendChoice:
    """The settings a classification loads its model with, and whether sakuin chose the backend."""

    settings: Settings
    engine: str
    automatic: bool

    @property
    def backend(self) -> str:
        return self.settings.model.backend

    @property
    def precision(self) -> str | None:
        """The transformers backend's precision; None on the other backends, which have none."""
        return self.settings.model.precision if self.backend == "transformers" else None

    def describe(self) -> str:
        """One line for the user: the backend, and why (chosen for this engine, or configured)."""
        shown = self.backend + (f" ({self.precision})" if self.precision else "")
        if self.automatic:
            return (
                f"backend: {shown}, chosen for --engine {self.engine} because it scores batches faster "
                "than llama.cpp on this CPU; --backend llama_cpp keeps llama.cpp"
            )
        return f"backend: {shown}"

    def as_dict(self) -> dict[str, str | bool | None]:
        """What results files record about the backend."""
        return {"backend": self.backend, "precision": self.precision, "automatic": self.automatic}


def choose_backend(settings: Settings, engine: str) -> BackendChoice:
    """The backend ``engine`` should run on under ``settings``; see the module docstring for the rule."""
    model = settings.model
    configured = "backend" in model.model_fields_set
    if configured or engine not in SCORING_ENGINES or model.name not in PACKAGED_MODELS:
        return BackendChoice(settings, engine, automatic=False)
    asked = model.precision if "precision" in model.model_fields_set else "auto"
    precision = hardware_precision() if asked == "auto" else asked
    if precision != "bfloat16":
        return BackendChoice(settings, engine, automatic=False)  # float32 transformers is not faster
    chosen = model.model_copy(update={"backend": "transformers", "precision": precision})
    return BackendChoice(settings.model_copy(update={"model": chosen}), engine, automatic=True)


def hardware_precision() -> str:
    """``bfloat16`` where the CPU multiplies it in hardware, else ``float32`` (what ``auto`` means)."""
    import torch

    from sakuin.models.transformers import compute_dtype

    return "bfloat16" if compute_dtype("auto") == torch.bfloat16 else "float32"
