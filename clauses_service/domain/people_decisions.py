"""People: decisions (pure). Each returns the new events or raises a named French error.

The state (``clauses_service.domain.people.Person``) never holds the identity in
clear. Decisions that store an identity take a ``seal`` function (the handler binds
it to the identity vault) and call it only once every check has passed.

A person merged into another is frozen: every decision on it is refused with a
message naming the survivor, where the facilitator must act instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import TypeVar
from uuid import UUID

from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.domain.names import clean_name
from clauses_service.domain.people import Person, add_months
from events.catalog.people import (
    CandidateOriented,
    CandidateRefused,
    CandidateValidated,
    EligibilityCriterion,
    Evidence,
    Identity,
    PersonAbsorbed,
    PersonalDataErased,
    PersonIdentityCorrected,
    PersonMerged,
    PersonRegistered,
    PlieLinkEnded,
    PlieLinkStarted,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector

Seal = Callable[[Identity], str]
E = TypeVar("E", bound=Enum)

NAME_MAX = 100
TEXT_MAX = 200
REASON_TEXT_MAX = 500
MIN_AGE, MAX_AGE = 15, 80
DEFAULT_VALIDITY_MONTHS = 24
# Evidence ages (DOMAIN.md): benefit and France Travail certificates < 3 months,
# proof of address < 6 months. Older evidence is accepted with a warning.
EVIDENCE_MAX_AGE_MONTHS = {
    EligibilityCriterion.BRSA: 3,
    EligibilityCriterion.ASS_AAH: 3,
    EligibilityCriterion.DELD: 3,
    EligibilityCriterion.DETLD: 3,
    EligibilityCriterion.QPV: 6,
}


# ---- small checks ---------------------------------------------------------------------
def fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def _text(value, field: str, label: str, maximum: int, required: bool = True) -> str:
    cleaned = clean_name(value if isinstance(value, str) else "")
    if required and not cleaned:
        raise RuleViolation(f"{label} est obligatoire.", field=field)
    if len(cleaned) > maximum:
        raise RuleViolation(
            f"{label} ne doit pas dépasser {maximum} caractères ({len(cleaned)} saisis).",
            field=field,
        )
    return cleaned


def _choice(cls: type[E], value, field: str, label: str) -> E:
    try:
        return cls(value)
    except ValueError:
        offered = ", ".join(f"{m.value} ({m.label})" for m in cls.offered())
        raise RuleViolation(
            f"{label} invalide : « {value} ». Valeurs possibles : {offered}.", field=field
        ) from None


def _a_date(value, field: str, label: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RuleViolation(f"{label} est obligatoire (JJ/MM/AAAA).", field=field)
    return value


def _past_date(value, today: date, field: str, label: str) -> date:
    day = _a_date(value, field, label)
    if day > today:
        raise RuleViolation(
            f"{label} ({fr_date(day)}) ne peut pas être dans le futur "
            f"(aujourd'hui : {fr_date(today)}).",
            field=field,
        )
    return day


def _distinct(cls: type[E], values, field: str, label: str, missing: str) -> tuple:
    if isinstance(values, str) or not values:
        raise RuleViolation(missing, field=field)
    parsed: list[E] = []
    for value in values:
        member = _choice(cls, value, field, label)
        if member in parsed:
            raise RuleViolation(
                f"{label} « {member.label} » est indiqué deux fois : ne le garder qu'une fois.",
                field=field,
            )
        parsed.append(member)
    return tuple(parsed)


def _sectors(values) -> tuple[Sector, ...]:
    return _distinct(
        Sector,
        values,
        "sectors",
        "Secteur",
        "Indiquer au moins un secteur (BTP, services, prestations intellectuelles).",
    )


def _bool(value, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise RuleViolation(f"{label} : répondre oui ou non.", field=field)
    return value


def merged_message(survivor: UUID) -> str:
    return f"Cette personne a été fusionnée avec {survivor} : agir sur cette fiche-là."


def _active(state: Person, field: str = "person_id") -> None:
    """The person exists and was not merged into another."""
    if not state.exists:
        raise NotFound("Personne introuvable.", field=field)
    if state.merged_into is not None:
        raise RuleViolation(merged_message(state.merged_into), field=field)


# ---- identity -------------------------------------------------------------------------
def check_identity(
    *,
    last_name,
    first_name,
    birth_date,
    sex,
    commune="",
    qpv=None,
    qualification=None,
    rsa=False,
    rqth=False,
    today: date,
) -> Identity:
    """A clean ``Identity`` (names trimmed, spaces collapsed) or the first error found.

    Fields are checked in form order, so the first message is about the first field.
    """
    last = _text(last_name, "last_name", "Le nom", NAME_MAX)
    first = _text(first_name, "first_name", "Le prénom", NAME_MAX)
    return Identity(
        last_name=last,
        first_name=first,
        birth_date=_birth_date(birth_date, today),
        sex=_choice(Sex, sex, "sex", "Sexe"),
        commune=_text(commune, "commune", "La commune", TEXT_MAX, required=False),
        qpv=_text(qpv, "qpv", "Le quartier prioritaire (QPV)", TEXT_MAX, required=False) or None,
        qualification=None
        if qualification is None
        else _choice(QualificationLevel, qualification, "qualification", "Niveau de qualification"),
        rsa=_bool(rsa, "rsa", "Bénéficiaire du RSA"),
        rqth=_bool(rqth, "rqth", "RQTH"),
    )


def _birth_date(value, today: date) -> date:
    birth = _a_date(value, "birth_date", "La date de naissance")
    age = age_on(birth, today)
    if not MIN_AGE <= age <= MAX_AGE:
        raise RuleViolation(
            f"La personne doit avoir entre {MIN_AGE} et {MAX_AGE} ans : née le {fr_date(birth)}, "
            f"elle aurait {age} ans au {fr_date(today)}. Vérifier la date de naissance.",
            field="birth_date",
        )
    return birth


def register(state: Person, person_id: UUID, identity: Identity, seal: Seal) -> list:
    if state.exists:
        raise AlreadyExists("Cette personne est déjà enregistrée.", field="person_id")
    return [PersonRegistered(person_id, seal(identity))]


def correct_identity(
    state: Person, identity: Identity, current: Identity | None, seal: Seal
) -> list:
    """Re-seal a corrected identity; nothing when it is unchanged."""
    _active(state)
    if state.erased:
        raise RuleViolation(
            "Les données personnelles de cette personne ont été effacées (RGPD) : "
            "son identité ne peut plus être corrigée. Enregistrer une nouvelle personne si besoin.",
            field="person_id",
        )
    if identity == current:
        return []
    return [PersonIdentityCorrected(state.person_id, seal(identity))]


def erase(state: Person, absorbed: Sequence[Person], today: date) -> dict[UUID, list]:
    """Erase a person and everyone merged into them (else their identity would survive).

    Returns the new events per person id; an already erased person gets none.
    """
    _active(state)
    out: dict[UUID, list] = {}
    for person in (state, *absorbed):
        if person.exists and not person.erased:
            out[person.person_id] = [PersonalDataErased(person.person_id, today)]
    return out


def merge(keep: Person, duplicate: Person) -> tuple[list, list]:
    """Events for (the duplicate's stream, the survivor's stream)."""
    if not keep.exists:
        raise NotFound("Personne à conserver introuvable.", field="keep_id")
    if not duplicate.exists:
        raise NotFound("Doublon introuvable.", field="duplicate_id")
    if keep.person_id == duplicate.person_id:
        raise RuleViolation(
            "Une personne ne peut pas être fusionnée avec elle-même : choisir deux fiches.",
            field="duplicate_id",
        )
    _active(keep, "keep_id")
    _active(duplicate, "duplicate_id")
    for person, field in ((keep, "keep_id"), (duplicate, "duplicate_id")):
        if person.erased:
            raise RuleViolation(
                f"Les données personnelles de {person.person_id} ont été effacées : "
                "fusion impossible.",
                field=field,
            )
    return (
        [PersonMerged(duplicate.person_id, keep.person_id)],
        [PersonAbsorbed(keep.person_id, duplicate.person_id)],
    )


# ---- orientation and eligibility ------------------------------------------------------
def orient(
    state: Person,
    orientation_id: UUID,
    prescriber_name,
    prescriber_kind,
    oriented_on,
    sectors,
    today: date,
) -> list:
    _active(state)
    if any(o.orientation_id == orientation_id for o in state.orientations):
        raise AlreadyExists("Cette orientation est déjà enregistrée.", field="orientation_id")
    return [
        CandidateOriented(
            state.person_id,
            orientation_id,
            _text(prescriber_name, "prescriber_name", "Le nom du prescripteur", TEXT_MAX),
            _choice(PrescriberKind, prescriber_kind, "prescriber_kind", "Type de prescripteur"),
            _past_date(oriented_on, today, "oriented_on", "La date d'orientation"),
            _sectors(sectors),
        )
    ]


def _orientation_for(
    state: Person, orientation_id: UUID | None, decided_on: date, date_field: str, label: str
) -> None:
    if orientation_id is None:
        return
    orientation = next((o for o in state.orientations if o.orientation_id == orientation_id), None)
    if orientation is None:
        raise RuleViolation(
            "Cette orientation n'est pas une orientation de cette personne : "
            "choisir une de ses orientations ou n'en indiquer aucune.",
            field="orientation_id",
        )
    if decided_on < orientation.oriented_on:
        raise RuleViolation(
            f"{label} ({fr_date(decided_on)}) ne peut pas précéder l'orientation "
            f"du {fr_date(orientation.oriented_on)}.",
            field=date_field,
        )


def _evidence(items, criteria: tuple, validated_on: date) -> tuple[Evidence, ...]:
    checked = []
    for item in items or ():
        if not isinstance(item, Evidence):
            raise RuleViolation(
                "Justificatif invalide : indiquer le critère, le document et sa date.",
                field="evidence",
            )
        criterion = _choice(EligibilityCriterion, item.criterion, "evidence", "Critère")
        document = _text(item.document, "evidence", "Le nom du justificatif", TEXT_MAX)
        dated = _a_date(item.dated, "evidence", f"La date du justificatif « {document} »")
        if criterion not in criteria:
            raise RuleViolation(
                f"Le justificatif « {document} » porte sur le critère « {criterion.label} », "
                "qui n'est pas retenu : ajouter ce critère ou retirer le justificatif.",
                field="evidence",
            )
        if dated > validated_on:
            raise RuleViolation(
                f"Le justificatif « {document} » est daté du {fr_date(dated)}, "
                f"après la validation du {fr_date(validated_on)} : vérifier sa date.",
                field="evidence",
            )
        checked.append(Evidence(criterion, document, dated))
    return tuple(checked)


def evidence_warnings(evidence: Iterable[Evidence], validated_on: date) -> list[str]:
    """Evidence older than its usual maximum age at validation (accepted, but flagged)."""
    warnings = []
    for item in evidence:
        months = EVIDENCE_MAX_AGE_MONTHS.get(item.criterion)
        if months is not None and item.dated < add_months(validated_on, -months):
            warnings.append(
                f"Le justificatif « {item.document} » ({item.criterion.label}) date du "
                f"{fr_date(item.dated)} : plus de {months} mois avant la validation du "
                f"{fr_date(validated_on)}. Demander un justificatif récent."
            )
    return warnings


def validate(
    state: Person,
    validation_id: UUID,
    orientation_id: UUID | None,
    sectors,
    criteria,
    evidence,
    validated_on,
    valid_until,
    today: date,
) -> tuple[list, list[str]]:
    """(events, warnings): warnings flag stale evidence without refusing."""
    _active(state)
    if any(v.validation_id == validation_id for v in state.validations):
        raise AlreadyExists("Cette validation est déjà enregistrée.", field="validation_id")
    day = _past_date(validated_on, today, "validated_on", "La date de validation")
    _orientation_for(state, orientation_id, day, "validated_on", "La date de validation")
    chosen_sectors = _sectors(sectors)
    chosen_criteria = _distinct(
        EligibilityCriterion,
        criteria,
        "criteria",
        "Critère",
        "Indiquer au moins un critère d'éligibilité (DELD, BRSA, QPV...).",
    )
    checked_evidence = _evidence(evidence, chosen_criteria, day)
    if valid_until is None:
        until = add_months(day, DEFAULT_VALIDITY_MONTHS)
    else:
        until = _a_date(valid_until, "valid_until", "La fin de validité")
        if until <= day:
            raise RuleViolation(
                f"La fin de validité ({fr_date(until)}) doit être postérieure à la date de "
                f"validation ({fr_date(day)}).",
                field="valid_until",
            )
    event = CandidateValidated(
        state.person_id,
        validation_id,
        orientation_id,
        chosen_sectors,
        chosen_criteria,
        checked_evidence,
        day,
        until,
    )
    return [event], evidence_warnings(checked_evidence, day)


def refuse(
    state: Person,
    refusal_id: UUID,
    orientation_id: UUID | None,
    sectors,
    reason,
    reason_text,
    refused_on,
    today: date,
) -> list:
    _active(state)
    if any(r.refusal_id == refusal_id for r in state.refusals):
        raise AlreadyExists("Ce refus est déjà enregistré.", field="refusal_id")
    day = _past_date(refused_on, today, "refused_on", "La date du refus")
    _orientation_for(state, orientation_id, day, "refused_on", "La date du refus")
    chosen_sectors = _sectors(sectors)
    chosen_reason = _choice(RefusalReason, reason, "reason", "Motif de refus")
    text = _text(reason_text, "reason_text", "Le motif", REASON_TEXT_MAX, required=False)
    if chosen_reason is RefusalReason.AUTRE and not text:
        raise RuleViolation("Préciser le motif du refus (motif « Autre »).", field="reason_text")
    return [
        CandidateRefused(
            state.person_id,
            refusal_id,
            orientation_id,
            chosen_sectors,
            chosen_reason,
            text or None,
            day,
        )
    ]


# ---- PLIE link ------------------------------------------------------------------------
def start_plie_link(state: Person, link_id: UUID, entry_date, referent, today: date) -> list:
    _active(state)
    if any(link.link_id == link_id for link in state.plie_links):
        raise AlreadyExists("Cet accompagnement PLIE est déjà enregistré.", field="link_id")
    name = _text(referent, "referent", "Le nom du référent PLIE", TEXT_MAX)
    entry = _past_date(entry_date, today, "entry_date", "La date d'entrée au PLIE")
    current = state.open_plie_link
    if current is not None:
        raise RuleViolation(
            f"Un accompagnement PLIE est déjà en cours depuis le {fr_date(current.entry_date)} : "
            "enregistrer sa sortie avant d'en ouvrir un autre.",
            field="entry_date",
        )
    # The new link is open-ended: it overlaps any link that ends on or after its entry.
    clash = next((link for link in state.plie_links if link.overlaps(entry, date.max)), None)
    if clash is not None:
        raise RuleViolation(
            f"L'entrée au PLIE du {fr_date(entry)} chevauche l'accompagnement du "
            f"{fr_date(clash.entry_date)} au {fr_date(clash.exit_date)} : choisir une date "
            f"d'entrée postérieure au {fr_date(clash.exit_date)}.",
            field="entry_date",
        )
    return [PlieLinkStarted(state.person_id, link_id, entry, name)]


def end_plie_link(state: Person, link_id: UUID, exit_date, reason, today: date) -> list:
    _active(state)
    link = next((link for link in state.plie_links if link.link_id == link_id), None)
    if link is None:
        raise NotFound("Accompagnement PLIE introuvable pour cette personne.", field="link_id")
    if link.exit_date is not None:
        raise RuleViolation(
            f"Cet accompagnement PLIE est déjà clos (sortie le {fr_date(link.exit_date)}).",
            field="link_id",
        )
    day = _past_date(exit_date, today, "exit_date", "La date de sortie du PLIE")
    if day < link.entry_date:
        raise RuleViolation(
            f"La date de sortie du PLIE ({fr_date(day)}) ne peut pas précéder la date "
            f"d'entrée ({fr_date(link.entry_date)}).",
            field="exit_date",
        )
    text = _text(reason, "reason", "Le motif de sortie du PLIE", TEXT_MAX)
    return [PlieLinkEnded(state.person_id, link_id, day, text)]
