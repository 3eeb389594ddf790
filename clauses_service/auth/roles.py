"""Roles and scopes: every query that returns people, hours or markets takes a Scope."""

from __future__ import annotations

from dataclasses import dataclass

from events.vocabulary import Choice


class Role(Choice):
    FACILITATOR = "facilitator", "Facilitateur"
    COMPANY = "company", "Entreprise"
    BUYER = "buyer", "Donneur d'ordre"
    PLIE = "plie", "Équipe PLIE"
    ADMIN = "admin", "Administrateur"


@dataclass(frozen=True)
class Scope:
    """What a user may see. ``None`` for a set means "no restriction on that axis"."""

    role: Role
    company_ids: frozenset[str] | None = None
    buyer_ids: frozenset[str] | None = None
    plie_only: bool = False

    @property
    def everything(self) -> bool:
        return self.company_ids is None and self.buyer_ids is None and not self.plie_only

    def sees_company(self, company_id) -> bool:
        return self.company_ids is None or str(company_id) in self.company_ids

    def sees_buyer(self, buyer_id) -> bool:
        return self.buyer_ids is None or str(buyer_id) in self.buyer_ids

    def as_filters(self) -> dict:
        """Keyword arguments for the scoped query functions."""
        return {
            "company_ids": sorted(self.company_ids) if self.company_ids is not None else None,
            "buyer_ids": sorted(self.buyer_ids) if self.buyer_ids is not None else None,
        }
