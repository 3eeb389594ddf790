"""Commands about companies (attributaires, ETTI, EI, GEIQ...)."""

from dataclasses import dataclass
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.companies import CompanyKind


@dataclass(frozen=True, kw_only=True)
class RegisterCompany(Command):
    company_id: UUID
    siret: str
    name: str
    kind: CompanyKind


@dataclass(frozen=True, kw_only=True)
class ChangeCompanyDetails(Command):
    company_id: UUID
    name: str
    kind: CompanyKind
