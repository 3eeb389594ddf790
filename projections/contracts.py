"""Read models of the contracts area (filled in by the contracts work)."""

from projections.base import Projection

PROJECTIONS: list[Projection] = []
