"""Read models of the markets area (filled in by the markets work)."""

from projections.base import Projection

PROJECTIONS: list[Projection] = []
