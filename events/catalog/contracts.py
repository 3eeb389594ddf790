"""Events of the contract stream: the contract, its monthly hours, and the exits."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "contract"


class ContractType(Choice):
    CDDI = "CDDI", "CDDI (CDD d'insertion)"
    CTTI = "CTTI", "CTTI (contrat de travail temporaire d'insertion)"
    CDI = "CDI", "CDI"
    CDD = "CDD", "CDD"
    CPRO = "CPRO", "Contrat de professionnalisation"
    APPRENTISSAGE = "APPRENTISSAGE", "Contrat d'apprentissage"
    CONTRAT_USAGE_AI = "CONTRAT_USAGE_AI", "Contrat d'usage (association intermédiaire)"
    AUTRE = "AUTRE", "Autre"


class Modality(Choice):
    EMBAUCHE_DIRECTE = "EMBAUCHE_DIRECTE", "Embauche directe"
    MISE_A_DISPOSITION = "MISE_A_DISPOSITION", "Mise à disposition"
    SOUS_TRAITANCE = "SOUS_TRAITANCE", "Sous-traitance ou co-traitance"


class ContractEndReason(Choice):
    TERME = "TERME", "Fin prévue du contrat"
    RUPTURE_ANTICIPEE = "RUPTURE_ANTICIPEE", "Rupture anticipée"
    DEMISSION = "DEMISSION", "Démission"
    LICENCIEMENT = "LICENCIEMENT", "Licenciement"
    FIN_PERIODE_ESSAI = "FIN_PERIODE_ESSAI", "Fin de période d'essai"
    AUTRE = "AUTRE", "Autre"


class ExitStage(Choice):
    AT_END = "AT_END", "À la fin du contrat"
    SIX_MONTHS = "SIX_MONTHS", "À six mois"


class ExitOutcome(Choice):
    CDI = "CDI", "CDI"
    CDD_6_MOIS_PLUS = "CDD_6_MOIS_PLUS", "CDD de 6 mois ou plus"
    CPRO_APPRENTISSAGE = "CPRO_APPRENTISSAGE", "Contrat de professionnalisation ou apprentissage"
    FORMATION_QUALIFIANTE = "FORMATION_QUALIFIANTE", "Formation qualifiante"
    CREATION_ENTREPRISE = "CREATION_ENTREPRISE", "Création d'entreprise"
    CDD_MOINS_6_MOIS = "CDD_MOINS_6_MOIS", "CDD de moins de 6 mois"
    INTERIM = "INTERIM", "Intérim"
    CONTRAT_INSERTION = "CONTRAT_INSERTION", "Nouveau contrat d'insertion"
    RECHERCHE_EMPLOI = "RECHERCHE_EMPLOI", "En recherche d'emploi"
    SANS_NOUVELLES = "SANS_NOUVELLES", "Sans nouvelles"
    AUTRE = "AUTRE", "Autre"

    @property
    def positive(self) -> bool:
        return self in POSITIVE_OUTCOMES


POSITIVE_OUTCOMES = frozenset(
    {
        ExitOutcome.CDI,
        ExitOutcome.CDD_6_MOIS_PLUS,
        ExitOutcome.CPRO_APPRENTISSAGE,
        ExitOutcome.FORMATION_QUALIFIANTE,
        ExitOutcome.CREATION_ENTREPRISE,
    }
)


@event_type("ContractStarted", effective_field="start_date")
@dataclass(frozen=True, slots=True)
class ContractStarted:
    """A clause contract. ``eligibility_override`` is the reason given when the facilitator
    records it although the person had no valid eligibility on the start date."""

    contract_id: UUID
    person_id: UUID
    employer_company_id: UUID
    employer_siret: str
    user_company_id: UUID | None
    user_siret: str | None
    market_id: UUID
    lot_id: UUID
    contract_type: ContractType
    modality: Modality
    start_date: date
    planned_end: date | None
    weekly_hours: Decimal | None
    eligibility_override: str | None = None


@event_type("ContractExtended", effective_field="planned_end")
@dataclass(frozen=True, slots=True)
class ContractExtended:
    contract_id: UUID
    planned_end: date
    reason: str


@event_type("ContractEnded", effective_field="end_date")
@dataclass(frozen=True, slots=True)
class ContractEnded:
    contract_id: UUID
    end_date: date
    reason: ContractEndReason
    reason_text: str | None = None


@event_type("HoursRecorded", effective_field="month")
@dataclass(frozen=True, slots=True)
class HoursRecorded:
    """Hours of a contract for a month (``month`` is its first day).

    ``counted_hours`` is what counts toward the clause under the market's rules at the
    time of recording (CDI months, training hours); ``warnings`` are French messages.
    """

    contract_id: UUID
    month: date
    hours: Decimal
    training_hours: Decimal
    counted_hours: Decimal
    warnings: tuple[str, ...] = ()


@event_type("HoursCorrected", effective_field="month")
@dataclass(frozen=True, slots=True)
class HoursCorrected:
    """New values for a month already recorded; the history keeps the previous ones."""

    contract_id: UUID
    month: date
    hours: Decimal
    training_hours: Decimal
    counted_hours: Decimal
    reason: str
    warnings: tuple[str, ...] = ()


@event_type("HoursWithdrawn", effective_field="month")
@dataclass(frozen=True, slots=True)
class HoursWithdrawn:
    contract_id: UUID
    month: date
    reason: str


@event_type("ExitRecorded", effective_field="observed_on")
@dataclass(frozen=True, slots=True)
class ExitRecorded:
    """What became of the person: at the contract's end or at the six-month follow-up."""

    contract_id: UUID
    person_id: UUID
    stage: ExitStage
    outcome: ExitOutcome
    observed_on: date
    detail: str | None = None


PERSON_CONTRACTS_STREAM_TYPE = "person-contracts"


@lru_cache(maxsize=8192)  # asked for every row of an import
def person_contracts_stream(person_id) -> str:
    """The index stream listing the contracts of one person (one event per contract)."""
    return f"person-contracts:{person_id}"


@event_type("PersonContractIndexed")
@dataclass(frozen=True, slots=True)
class PersonContractIndexed:
    """On ``person-contracts:<person_id>``: ``contract_id`` is a contract of this person.

    Appended with ``ContractStarted`` in the same transaction, so that the decisions
    about a person's monthly total find all their contracts on every store, without a
    read table.
    """

    person_id: UUID
    contract_id: UUID
