"""Events of the person stream: identity (sealed), orientations, eligibility, PLIE link.

Identity is personal data: events carry it only sealed (encrypted with a key of the
person's own, kept outside the log). ``ErasePersonalData`` destroys that key, so the
person becomes unreadable everywhere while their hours still count in totals.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from events.catalog.sectors import Sector
from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "person"


class Sex(Choice):
    FEMME = "F", "Femme"
    HOMME = "M", "Homme"


class QualificationLevel(Choice):
    INFRA_3 = "INFRA_3", "Sans diplôme (infra 3)"
    NIVEAU_3 = "NIVEAU_3", "Niveau 3 (CAP, BEP)"
    NIVEAU_4 = "NIVEAU_4", "Niveau 4 (Bac)"
    NIVEAU_5 = "NIVEAU_5", "Niveau 5 (Bac+2)"
    NIVEAU_6_PLUS = "NIVEAU_6_PLUS", "Niveau 6 et plus (Bac+3 et au-delà)"


class PrescriberKind(Choice):
    FRANCE_TRAVAIL = "FRANCE_TRAVAIL", "France Travail"
    MISSION_LOCALE = "MISSION_LOCALE", "Mission locale"
    PLIE_REFERENT = "PLIE_REFERENT", "Référent PLIE"
    ETTI = "ETTI", "ETTI"
    GEIQ = "GEIQ", "GEIQ"
    ARIQ_BTP = "ARIQ_BTP", "ARIQ BTP"
    CONSEIL_REGIONAL = "CONSEIL_REGIONAL", "Conseil régional"
    CCAS = "CCAS", "CCAS"
    CAP_EMPLOI = "CAP_EMPLOI", "Cap emploi"
    ASSOCIATION = "ASSOCIATION", "Association"
    CANDIDATURE_SPONTANEE = "CANDIDATURE_SPONTANEE", "Candidature spontanée"
    AUTRE = "AUTRE", "Autre"


class EligibilityCriterion(Choice):
    DELD = "DELD", "Demandeur d'emploi de longue durée (12 mois et plus)"
    DETLD = "DETLD", "Demandeur d'emploi de très longue durée (24 mois et plus)"
    BRSA = "BRSA", "Bénéficiaire du RSA"
    ASS_AAH = "ASS_AAH", "Bénéficiaire de minima sociaux (ASS, AAH, AI)"
    RQTH = "RQTH", "Travailleur handicapé reconnu (RQTH)"
    JEUNE = "JEUNE", "Jeune de moins de 26 ans sans qualification ou suivi par la Mission locale"
    SENIOR = "SENIOR", "Demandeur d'emploi de 50 ans et plus"
    QPV = "QPV", "Résident d'un quartier prioritaire (QPV)"
    IAE = "IAE", "Salarié d'une SIAE / PASS IAE"
    GEIQ = "GEIQ", "Salarié en parcours GEIQ"
    EPIDE_E2C = "EPIDE_E2C", "Jeune EPIDE ou École de la 2e chance"
    AVIS_MOTIVE = "AVIS_MOTIVE", "Autre difficulté, sur avis motivé d'un prescripteur"


class RefusalReason(Choice):
    CANDIDATURE_ANNULEE = "CANDIDATURE_ANNULEE", "Candidature annulée"
    PROFIL_INADAPTE = "PROFIL_INADAPTE", "Profil inadapté"
    AUTRE_PROJET = "AUTRE_PROJET", "Autre projet professionnel"
    FREINS_EMPLOI = "FREINS_EMPLOI", "Freins à l'emploi"
    ABSENCES_RDV = "ABSENCES_RDV", "Absences aux rendez-vous"
    AUTRE = "AUTRE", "Autre motif"


@dataclass(frozen=True, slots=True)
class Identity:
    """What is sealed in ``sealed_identity`` (never stored in clear in the log)."""

    last_name: str
    first_name: str
    birth_date: date
    sex: Sex
    commune: str = ""
    qpv: str | None = None
    qualification: QualificationLevel | None = None
    rsa: bool = False
    rqth: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """A document seen for a criterion (e.g. "Attestation CAF") and its date."""

    criterion: EligibilityCriterion
    document: str
    dated: date


@event_type("PersonRegistered")
@dataclass(frozen=True, slots=True)
class PersonRegistered:
    person_id: UUID
    sealed_identity: str


@event_type("PersonIdentityCorrected")
@dataclass(frozen=True, slots=True)
class PersonIdentityCorrected:
    person_id: UUID
    sealed_identity: str


@event_type("PersonalDataErased", effective_field="erased_on")
@dataclass(frozen=True, slots=True)
class PersonalDataErased:
    person_id: UUID
    erased_on: date


@event_type("PersonMerged")
@dataclass(frozen=True, slots=True)
class PersonMerged:
    """On the duplicate's stream: it is now one with ``into_person_id``."""

    person_id: UUID
    into_person_id: UUID


@event_type("PersonAbsorbed")
@dataclass(frozen=True, slots=True)
class PersonAbsorbed:
    """On the surviving person's stream: ``absorbed_person_id`` was merged into it."""

    person_id: UUID
    absorbed_person_id: UUID


@event_type("CandidateOriented", effective_field="oriented_on")
@dataclass(frozen=True, slots=True)
class CandidateOriented:
    person_id: UUID
    orientation_id: UUID
    prescriber_name: str
    prescriber_kind: PrescriberKind
    oriented_on: date
    sectors: tuple[Sector, ...]


@event_type("CandidateValidated", effective_field="validated_on")
@dataclass(frozen=True, slots=True)
class CandidateValidated:
    person_id: UUID
    validation_id: UUID
    orientation_id: UUID | None
    sectors: tuple[Sector, ...]
    criteria: tuple[EligibilityCriterion, ...]
    evidence: tuple[Evidence, ...]
    validated_on: date
    valid_until: date


@event_type("CandidateRefused", effective_field="refused_on")
@dataclass(frozen=True, slots=True)
class CandidateRefused:
    person_id: UUID
    refusal_id: UUID
    orientation_id: UUID | None
    sectors: tuple[Sector, ...]
    reason: RefusalReason
    reason_text: str | None
    refused_on: date


@event_type("PlieLinkStarted", effective_field="entry_date")
@dataclass(frozen=True, slots=True)
class PlieLinkStarted:
    person_id: UUID
    link_id: UUID
    entry_date: date
    referent: str


@event_type("PlieLinkEnded", effective_field="exit_date")
@dataclass(frozen=True, slots=True)
class PlieLinkEnded:
    person_id: UUID
    link_id: UUID
    exit_date: date
    reason: str
