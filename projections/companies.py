"""Read models of the companies area (filled in by the companies work)."""

from projections.base import Projection

PROJECTIONS: list[Projection] = []
