"""Commands about buyers (donneurs d'ordre)."""

from dataclasses import dataclass
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.buyers import BuyerKind


@dataclass(frozen=True, kw_only=True)
class RegisterBuyer(Command):
    buyer_id: UUID
    name: str
    kind: BuyerKind


@dataclass(frozen=True, kw_only=True)
class RenameBuyer(Command):
    buyer_id: UUID
    name: str


@dataclass(frozen=True, kw_only=True)
class SetBuyerContacts(Command):
    buyer_id: UUID
    emails: tuple[str, ...]
