"""Read models of the people area (filled in by the people work)."""

from projections.base import Projection

PROJECTIONS: list[Projection] = []
