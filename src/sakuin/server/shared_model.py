"""One language model per server, loaded on first use and used by one request at a time.

Loading takes seconds and memory, so it waits until someone first writes; a llama.cpp model
(like most local engines) holds one decoding state and must not generate from two threads at
once, so a request holds :meth:`SharedModel.generating` for as long as it writes. Requests that
arrive meanwhile queue there; retrieval-only requests (search) never touch the model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sakuin.config import Settings
from sakuin.models import LanguageModel, load_model


class SharedModel:
    """The server's language model: ``settings.model``'s, or one given (e.g. already loaded in tests)."""

    def __init__(self, settings: Settings, model: LanguageModel | None = None) -> None:
        self._settings = settings
        self._model = model
        self._owned = model is None
        self._loading = threading.Lock()
        self._generating = threading.Lock()

    @property
    def given(self) -> bool:
        """Whether the model was handed in already loaded (tests, the demo) rather than chosen by settings."""
        return not self._owned

    def get(self) -> LanguageModel:
        """The model, loading it the first time (concurrent first callers wait for one load)."""
        with self._loading:
            if self._model is None:
                self._model = load_model(self._settings)
            return self._model

    @contextmanager
    def generating(self) -> Iterator[LanguageModel]:
        """The model, held exclusively until the block ends."""
        model = self.get()
        with self._generating:
            yield model

    def close(self) -> None:
        """Release a model this server loaded itself (one given to it belongs to the giver)."""
        with self._loading:
            if self._owned and self._model is not None:
                self._model.close()
                self._model = None
