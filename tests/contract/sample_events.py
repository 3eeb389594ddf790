"""Event types used only by the store contract suite, in a registry of their own."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from events.registry import EventRegistry

registry = EventRegistry()


@dataclass(frozen=True, slots=True)
class NoteTaken:
    subject: UUID
    text: str


@dataclass(frozen=True, slots=True)
class HoursLogged:
    contract_id: UUID
    month: date
    hours: Decimal
    tags: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class NotRegistered:
    text: str


registry.register(NoteTaken, "NoteTaken")
registry.register(HoursLogged, "HoursLogged", effective_field="month")
