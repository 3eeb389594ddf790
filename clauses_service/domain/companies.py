"""Companies (attributaires, ETTI, EI, GEIQ...): state, SIRET checks and decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from stdnum.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret

from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.companies import CompanyDetailsChanged, CompanyKind, CompanyRegistered

NAME_MAX = 300


@dataclass(frozen=True)
class Company:
    company_id: UUID | None = None
    siret: str = ""
    name: str = ""
    kind: CompanyKind | None = None
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.company_id is not None


def evolve(state: Company, event) -> Company:
    match event:
        case CompanyRegistered():
            state = replace(
                state,
                company_id=event.company_id,
                siret=event.siret,
                name=event.name,
                kind=event.kind,
            )
        case CompanyDetailsChanged():
            state = replace(state, name=event.name, kind=event.kind)
    return replace(state, version=state.version + 1)


def fold(events) -> Company:
    state = Company()
    for event in events:
        state = evolve(state, event)
    return state


# A whole-file import folds only what it appended onto the state it already has.
fold.evolve = evolve


def compact_siret(value: str | None) -> str:
    """The SIRET without the spaces, dots and dashes people type: "732 829 320 00074"."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch not in " .-\u00a0\u202f\t")


def normalise_siret(value: str | None, field: str = "siret") -> str:
    """A valid 14-digit SIRET (Luhn key checked by python-stdnum), or a RuleViolation."""
    compact = compact_siret(value)
    if not compact:
        raise RuleViolation("Le SIRET est obligatoire (14 chiffres).", field=field)
    try:
        return stdnum_siret.validate(compact)
    except ValidationError:
        raise RuleViolation(
            f"SIRET invalide : « {str(value).strip()} ». 14 chiffres attendus dont une clé "
            "de contrôle ; recopiez-le depuis l'avis de situation Insee ou "
            "annuaire-entreprises.data.gouv.fr.",
            field=field,
        ) from None


def clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise RuleViolation("Le nom de l'entreprise est obligatoire.", field="name")
    if len(cleaned) > NAME_MAX:
        raise RuleViolation(
            f"Le nom de l'entreprise ne doit pas dépasser {NAME_MAX} caractères.", field="name"
        )
    return cleaned


def company_kind(kind) -> CompanyKind:
    try:
        return CompanyKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in CompanyKind.offered())
        raise RuleViolation(
            f"Type d'entreprise inconnu : « {kind} ». Valeurs possibles : {allowed}.",
            field="kind",
        ) from None


def register(state: Company, company_id: UUID, siret: str, name: str, kind) -> list:
    """Register a company; its SIRET must be valid (uniqueness is the handler's claim)."""
    if state.exists:
        raise AlreadyExists("Cette entreprise est déjà enregistrée.", field="company_id")
    return [
        CompanyRegistered(company_id, normalise_siret(siret), clean_name(name), company_kind(kind))
    ]


def change_details(state: Company, name: str, kind) -> list:
    """Rename or re-file a company; nothing when both are unchanged."""
    if not state.exists:
        raise NotFound("Entreprise introuvable.", field="company_id")
    cleaned, new_kind = clean_name(name), company_kind(kind)
    if (cleaned, new_kind) == (state.name, state.kind):
        return []
    return [CompanyDetailsChanged(state.company_id, cleaned, new_kind)]
