"""How closely energies from two processes must agree to count as the same result.

A script run in the sandbox and the same computation run directly in the test take different BLAS
kernels whenever their environments differ (thread counts, ``OPENBLAS_CORETYPE``), so energies
differ in their last digits (1e-13 eV). 10 µeV is far above that noise and far below anything
physical: adsorption and reaction energies are read to meV, and EMT or an ML potential is good to
tens of meV at best.
"""

from __future__ import annotations

from typing import Any

import pytest

ENERGY_TOLERANCE_EV = 1e-5


def same_energy(expected: float | dict[str, float]) -> Any:
    """``expected`` (a number or a dict of numbers) as a comparison at the energy tolerance."""
    return pytest.approx(expected, rel=0, abs=ENERGY_TOLERANCE_EV)


def same_rows(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """Result rows equal field by field, floats at the energy tolerance."""
    if len(rows) != len(expected) or any(
        row.keys() != other.keys() for row, other in zip(rows, expected, strict=True)
    ):
        return False
    return all(
        value == (same_energy(other[key]) if isinstance(value, float) else other[key])
        for row, other in zip(rows, expected, strict=True)
        for key, value in row.items()
    )
