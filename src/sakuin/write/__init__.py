"""Grounded writing: answer or refuse from what the asking user may read, with citations.

:func:`write_stream` (and :func:`write`, its one-call form) is the one path the CLI, the Python
API and the HTTP API use; see :mod:`sakuin.write.writer` for the pipeline.
"""

from sakuin.write.evidence import Calibration, calibrate
from sakuin.write.sources import Source
from sakuin.write.writer import WriteResult, write, write_stream

__all__ = ["Calibration", "Source", "WriteResult", "calibrate", "write", "write_stream"]
