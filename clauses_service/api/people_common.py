"""What the people surfaces share: who may read whom, French labels, output schemas.

Scopes (DESIGN.md, team brief): the facilitator reads everyone; the PLIE team reads
the people who have (or had) a PLIE link, with their path; a company reads the
people of its contracts (employer or user company), identity only: names and birth
date. Anyone else is refused by ``roles_required`` before reaching these helpers.
A person outside the reader's scope is "not found" (404), never "forbidden".
"""

from __future__ import annotations

from datetime import date, datetime

from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate

from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.extensions import services
from clauses_service.handlers.base import PARIS
from events.catalog.people import (
    EligibilityCriterion,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector
from projections import queries

NOT_FOUND = "Personne introuvable."
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def between(minimum: int, maximum: int) -> validate.Range:
    return validate.Range(min=minimum, max=maximum, error="Nombre entre {min} et {max} attendu.")


def version_field() -> fields.Integer:
    return fields.Integer(
        validate=between(0, 1_000_000),
        metadata={"description": "Refuser (409) si la fiche a changé depuis cette version."},
    )


IDENTITY_ONLY = ("person_id", "last_name", "first_name", "birth_date", "erased")


def today() -> date:
    """Business dates are in Europe/Paris (as in the handlers)."""
    return datetime.now(PARIS).date()


def text(maximum: int, required: bool = True, **options) -> fields.String:
    """A text field whose length errors are in French (the domain trims and re-checks)."""
    minimum = 1 if required else 0
    error = f"Entre {minimum} et {maximum} caractères." if required else "Au plus {max} caractères."
    return fields.String(
        required=required,
        validate=validate.Length(min=minimum, max=maximum, error=error),
        **options,
    )


def day(**options) -> fields.Date:
    """A date in a plausible range (business dates, birth dates, period bounds)."""
    return fields.Date(validate=_plausible_day, **options)


def _plausible_day(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError("Date entre le 01/01/1900 et le 31/12/2100 attendue.")


def sectors_field(**options) -> fields.List:
    return fields.List(
        fields.Enum(Sector, by_value=True),
        validate=validate.Length(
            min=1,
            error="Indiquer au moins un secteur (BTP, services, prestations intellectuelles).",
        ),
        **options,
    )


# ---- scope ------------------------------------------------------------------------------
def readable_ids(conn) -> set[str] | None:
    """Ids of the people the current user may read; None for everyone (facilitator)."""
    scope = current_scope()
    if scope.role is Role.PLIE:
        return queries.plie_participant_ids(conn)
    if scope.role is Role.COMPANY:
        return queries.people_of_companies(conn, scope.company_ids or ())
    if scope.role is Role.FACILITATOR:
        return None
    return set()  # never reached: roles_required refuses the other roles first


def identity_only() -> bool:
    """Whether the current user reads identities only (a company: no path details)."""
    return current_scope().role is Role.COMPANY


def visible_person(person_id) -> dict:
    """``get_person`` if the current user may read that person, else 404."""
    with services().store.reading() as conn:
        person = queries.get_person(conn, person_id)
        allowed = readable_ids(conn)
    if person is None or (allowed is not None and person["person_id"] not in allowed):
        abort(404, message=NOT_FOUND)
    return person


# ---- presenting ----------------------------------------------------------------------
def label(cls, value) -> str | None:
    if value is None:
        return None
    try:
        return cls(value).label
    except ValueError:
        return str(value)


def labels(cls, values) -> list[str]:
    return [label(cls, value) for value in values]


def present_row(row: dict) -> dict:
    """A person row of ``rm_people`` (identity NULL once erased) with French labels."""
    if identity_only():
        return {key: row.get(key) for key in IDENTITY_ONLY}
    return {
        **{key: row.get(key) for key in IDENTITY_ONLY},
        "sex": row.get("sex"),
        "sex_label": label(Sex, row.get("sex")),
        "commune": row.get("commune"),
        "qpv": row.get("qpv"),
        "qualification": row.get("qualification"),
        "qualification_label": label(QualificationLevel, row.get("qualification")),
        "rsa": row.get("rsa"),
        "rqth": row.get("rqth"),
        "merged_into": row.get("merged_into"),
    }


def present_orientation(row: dict) -> dict:
    return {
        **row,
        "prescriber_kind_label": label(PrescriberKind, row["prescriber_kind"]),
        "sector_labels": labels(Sector, row["sectors"]),
    }


def present_validation(row: dict) -> dict:
    evidence = [
        {
            "criterion": item["criterion"],
            "criterion_label": label(EligibilityCriterion, item["criterion"]),
            "document": item["document"],
            "dated": date.fromisoformat(item["dated"]),
        }
        for item in row["evidence"]
    ]
    return {
        **row,
        "sector_labels": labels(Sector, row["sectors"]),
        "criteria_labels": labels(EligibilityCriterion, row["criteria"]),
        "evidence": evidence,
    }


def present_refusal(row: dict) -> dict:
    return {
        **row,
        "sector_labels": labels(Sector, row["sectors"]),
        "reason_label": label(RefusalReason, row["reason"]),
    }


def present_link(row: dict, on: date) -> dict:
    active = row["entry_date"] <= on and (row["exit_date"] is None or on <= row["exit_date"])
    return {**row, "active": active}


def present_eligibility(status: dict) -> dict:
    return {
        "on": status["on"],
        "status": status["status"].value,
        "status_label": status["status"].label,
        "pending_decision": status["pending_decision"],
        "sectors": [
            {**item, "sector_label": label(Sector, item["sector"])} for item in status["sectors"]
        ],
    }


def present_person(person: dict, on: date) -> dict:
    """A person's record: identity, then (unless the reader sees identities only) the path."""
    out = present_row(person)
    if identity_only():
        return out
    out.update(
        version=services().store.stream_version(person["person_id"]),
        survivor_id=person["survivor_id"],
        absorbed=person["absorbed"],
        orientations=[present_orientation(o) for o in person["orientations"]],
        validations=[present_validation(v) for v in person["validations"]],
        refusals=[present_refusal(r) for r in person["refusals"]],
        plie_links=[present_link(link, on) for link in person["plie_links"]],
        plie_linked=bool(person["plie_links"]),
        eligibility=present_eligibility(queries.eligibility_status(person, on)),
    )
    return out


# ---- output schemas ------------------------------------------------------------------
def _codes(cls) -> dict:
    return {"enum": [member.value for member in cls]}


class PersonRowSchema(Schema):
    person_id = fields.UUID()
    last_name = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    erased = fields.Boolean(metadata={"description": "Données personnelles effacées (RGPD)."})
    sex = fields.String(allow_none=True, metadata=_codes(Sex))
    sex_label = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)
    qpv = fields.String(allow_none=True, metadata={"description": "Quartier prioritaire."})
    qualification = fields.String(allow_none=True, metadata=_codes(QualificationLevel))
    qualification_label = fields.String(allow_none=True)
    rsa = fields.Boolean(allow_none=True)
    rqth = fields.Boolean(allow_none=True)
    merged_into = fields.UUID(allow_none=True)
    pending_decision = fields.Boolean()
    plie_linked = fields.Boolean()


class OrientationSchema(Schema):
    orientation_id = fields.UUID()
    person_id = fields.UUID()
    prescriber_name = fields.String()
    prescriber_kind = fields.String(metadata=_codes(PrescriberKind))
    prescriber_kind_label = fields.String()
    is_plie = fields.Boolean(metadata={"description": "Orientée par un référent PLIE."})
    oriented_on = fields.Date()
    sectors = fields.List(fields.String(metadata=_codes(Sector)))
    sector_labels = fields.List(fields.String())


class EvidenceOut(Schema):
    criterion = fields.String(metadata=_codes(EligibilityCriterion))
    criterion_label = fields.String()
    document = fields.String()
    dated = fields.Date()


class ValidationOut(Schema):
    validation_id = fields.UUID()
    person_id = fields.UUID()
    orientation_id = fields.UUID(allow_none=True)
    sectors = fields.List(fields.String(metadata=_codes(Sector)))
    sector_labels = fields.List(fields.String())
    criteria = fields.List(fields.String(metadata=_codes(EligibilityCriterion)))
    criteria_labels = fields.List(fields.String())
    evidence = fields.List(fields.Nested(EvidenceOut))
    validated_on = fields.Date()
    valid_until = fields.Date()


class RefusalOut(Schema):
    refusal_id = fields.UUID()
    person_id = fields.UUID()
    orientation_id = fields.UUID(allow_none=True)
    sectors = fields.List(fields.String(metadata=_codes(Sector)))
    sector_labels = fields.List(fields.String())
    reason = fields.String(metadata=_codes(RefusalReason))
    reason_label = fields.String()
    reason_text = fields.String(allow_none=True)
    refused_on = fields.Date()


class PlieLinkOut(Schema):
    link_id = fields.UUID()
    person_id = fields.UUID()
    entry_date = fields.Date()
    exit_date = fields.Date(allow_none=True)
    referent = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "Motif de sortie."})
    active = fields.Boolean()


class EligibleSector(Schema):
    sector = fields.String(metadata=_codes(Sector))
    sector_label = fields.String()
    valid_until = fields.Date()
    validation_id = fields.UUID()


class EligibilityOut(Schema):
    on = fields.Date()
    status = fields.String(metadata=_codes(queries.EligibilityStatus))
    status_label = fields.String()
    pending_decision = fields.Boolean()
    sectors = fields.List(fields.Nested(EligibleSector))


class PersonDetailSchema(PersonRowSchema):
    """A company reads only ``person_id``, names, birth date and ``erased``."""

    version = fields.Integer()
    survivor_id = fields.UUID(allow_none=True)
    absorbed = fields.List(fields.UUID())
    orientations = fields.List(fields.Nested(OrientationSchema))
    validations = fields.List(fields.Nested(ValidationOut))
    refusals = fields.List(fields.Nested(RefusalOut))
    plie_links = fields.List(fields.Nested(PlieLinkOut))
    eligibility = fields.Nested(EligibilityOut)


class PersonWriteResult(Schema):
    person_id = fields.UUID()
    version = fields.Integer()
    replayed = fields.Boolean()
    possible_duplicates = fields.List(fields.UUID())
    merged = fields.UUID()
    erased = fields.List(fields.UUID())
    orientation_id = fields.UUID()
    validation_id = fields.UUID()
    valid_until = fields.String(metadata={"format": "date"})
    warnings = fields.List(fields.String())
    refusal_id = fields.UUID()
    link_id = fields.UUID()
