"""Errors a user can act on.

Every failure that bad input or a bad environment can cause is one of these classes. Each carries a
one-line message that names the problem and says what to do; the CLI prints exactly that line (a
traceback only with ``--debug``) and exits non-zero, and the HTTP API turns it into a JSON error.
"""

from __future__ import annotations


class SakuinError(Exception):
    """Base class: a problem with input or environment, explained in one line."""

    exit_code = 1


class ConfigError(SakuinError):
    """The settings file or a ``SAKUIN_*`` variable holds a value that cannot be used."""


class ModelNotFoundError(SakuinError):
    """A model name or path points at nothing that can be loaded."""


class CorruptModelError(SakuinError):
    """A weights file exists but cannot be read as a model (truncated or not a GGUF)."""


class EmptyPromptError(SakuinError):
    """The prompt (or a scoring prefix plus continuation) has no text to condition on."""


class ContextOverflowError(SakuinError):
    """The prompt does not fit the model's context window."""


class ChatTemplateMissingError(SakuinError):
    """Chat messages were sent to a model without a chat template (a pretrained base model)."""


class ServerUnreachableError(SakuinError):
    """An OpenAI-compatible server did not answer at its ``base_url``."""


class ServerError(SakuinError):
    """An OpenAI-compatible server answered with an error."""


class UnsupportedByBackendError(SakuinError):
    """The configured backend cannot do what was asked; the message names one that can."""


class ScoringUnsupportedError(UnsupportedByBackendError):
    """The backend cannot return log-probabilities of given text, so ``score`` is impossible."""


class SimulationSpecError(SakuinError):
    """A simulation request or spec names something that cannot be built or computed."""


class SimulationQuestionsError(SakuinError):
    """A simulation request leaves something open that must not be guessed; the message asks it."""

    exit_code = 2


class ScriptRejectedError(SakuinError):
    """A simulation script imports or calls something outside the sandbox's allow-list."""


class SimulationFailedError(SakuinError):
    """A simulation script stopped with an error, or was killed at one of the sandbox's limits."""


class SimulationCancelledError(SakuinError):
    """A running simulation was cancelled by its caller."""


class SandboxUnavailableError(SakuinError):
    """The operating-system sandbox cannot start here, so a model-written script is not run at all."""


class SandboxLimitError(SimulationFailedError):
    """The sandbox killed a simulation at a limit: time, CPU, memory, output, network or file writes."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class TaskError(SakuinError):
    """A classification task is ill-defined: missing, empty or duplicate labels, or a bad task file."""


class InputFileError(SakuinError):
    """A file to classify cannot be read as a table, or lacks the columns the task reads."""
