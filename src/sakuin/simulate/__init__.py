"""Natural language → atomistic simulation: request → spec → ASE script → sandboxed run → results.

``read_request`` turns a request into a :class:`TaskSpec` (or questions), ``write_script`` turns the
spec into a standalone ASE script, and ``run_simulation`` runs it in the sandbox and reads the
results back; the CLI (``sakuin simulate``) and, later, the server's jobs use these three.
"""

from sakuin.simulate.request import Reading, build_spec, read_request
from sakuin.simulate.run import SimulationResult, run_simulation
from sakuin.simulate.script import write_script
from sakuin.simulate.spec import TaskSpec

__all__ = [
    "Reading",
    "SimulationResult",
    "TaskSpec",
    "build_spec",
    "read_request",
    "run_simulation",
    "write_script",
]
