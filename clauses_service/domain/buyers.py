"""Buyers (donneurs d'ordre): state and decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.buyers import BuyerContactsSet, BuyerKind, BuyerRegistered, BuyerRenamed


@dataclass(frozen=True)
class Buyer:
    buyer_id: UUID | None = None
    name: str = ""
    kind: BuyerKind | None = None
    contacts: tuple[str, ...] = ()
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.buyer_id is not None


def evolve(state: Buyer, event) -> Buyer:
    match event:
        case BuyerRegistered():
            state = replace(state, buyer_id=event.buyer_id, name=event.name, kind=event.kind)
        case BuyerRenamed():
            state = replace(state, name=event.name)
        case BuyerContactsSet():
            state = replace(state, contacts=event.emails)
    return replace(state, version=state.version + 1)


def fold(events) -> Buyer:
    state = Buyer()
    for event in events:
        state = evolve(state, event)
    return state


# A whole-file import folds only what it appended onto the state it already has.
fold.evolve = evolve


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise RuleViolation("Le nom du donneur d'ordre est obligatoire.", field="name")
    if len(cleaned) > 300:
        raise RuleViolation("Le nom ne doit pas dépasser 300 caractères.", field="name")
    return cleaned


def register(state: Buyer, buyer_id: UUID, name: str, kind: BuyerKind) -> list:
    if state.exists:
        raise AlreadyExists("Ce donneur d'ordre est déjà enregistré.")
    return [BuyerRegistered(buyer_id, _clean_name(name), BuyerKind(kind))]


def rename(state: Buyer, name: str) -> list:
    if not state.exists:
        raise NotFound("Donneur d'ordre introuvable.")
    cleaned = _clean_name(name)
    return [] if cleaned == state.name else [BuyerRenamed(state.buyer_id, cleaned)]


def set_contacts(state: Buyer, emails: tuple[str, ...]) -> list:
    if not state.exists:
        raise NotFound("Donneur d'ordre introuvable.")
    cleaned = []
    for email in emails:
        email = email.strip().lower()
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            raise RuleViolation(f"Adresse e-mail invalide : « {email} ».", field="emails")
        if email not in cleaned:
            cleaned.append(email)
    cleaned_tuple = tuple(cleaned)
    if cleaned_tuple == state.contacts:
        return []
    return [BuyerContactsSet(state.buyer_id, cleaned_tuple)]
