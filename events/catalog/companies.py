"""Events of the company stream (attributaires, ETTI, EI, GEIQ...)."""

from dataclasses import dataclass
from uuid import UUID

from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "company"


class CompanyKind(Choice):
    ENTREPRISE = "ENTREPRISE", "Entreprise"
    ETTI = "ETTI", "Entreprise de travail temporaire d'insertion (ETTI)"
    EI = "EI", "Entreprise d'insertion (EI)"
    ACI = "ACI", "Atelier et chantier d'insertion (ACI)"
    AI = "AI", "Association intermédiaire (AI)"
    GEIQ = "GEIQ", "Groupement d'employeurs pour l'insertion et la qualification (GEIQ)"
    EA = "EA", "Entreprise adaptée (EA)"


@event_type("CompanyRegistered")
@dataclass(frozen=True, slots=True)
class CompanyRegistered:
    company_id: UUID
    siret: str
    name: str
    kind: CompanyKind


@event_type("CompanyDetailsChanged")
@dataclass(frozen=True, slots=True)
class CompanyDetailsChanged:
    company_id: UUID
    name: str
    kind: CompanyKind
