"""A person's path: orientations, eligibility (validations, refusals), PLIE links.

Writes are the facilitator's; the path is read in ``GET /people/<id>`` (people.py) and
the figures of a period in ``clauses_service.api.people_figures``.
"""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from clauses_service.api.common import run
from clauses_service.api.people_common import (
    PersonWriteResult,
    day,
    sectors_field,
    text,
    version_field,
)
from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from clauses_service.commands.people import (
    EndPlieLink,
    OrientCandidate,
    RefuseCandidate,
    StartPlieLink,
    ValidateCandidate,
)
from events.catalog.people import (
    EligibilityCriterion,
    Evidence,
    PrescriberKind,
    RefusalReason,
)

blp = Blueprint(
    "candidates",
    __name__,
    url_prefix="",
    description="Parcours des personnes : orientations, éligibilité, accompagnement PLIE",
)
OPTIONAL_ID = {"load_default": None, "allow_none": True}


# ---- input -------------------------------------------------------------------------------
class OrientSchema(Schema):
    prescriber_name = text(200, metadata={"description": "Ex. « France Travail Dijon Est »."})
    prescriber_kind = fields.Enum(PrescriberKind, by_value=True, required=True)
    oriented_on = day(required=True)
    sectors = sectors_field(required=True)
    expected_version = version_field()


class EvidenceIn(Schema):
    criterion = fields.Enum(EligibilityCriterion, by_value=True, required=True)
    document = text(200, metadata={"description": "Ex. « Attestation CAF »."})
    dated = day(required=True, metadata={"description": "Date du justificatif."})


class ValidateSchema(Schema):
    orientation_id = fields.UUID(**OPTIONAL_ID)
    sectors = sectors_field(required=True)
    criteria = fields.List(
        fields.Enum(EligibilityCriterion, by_value=True),
        required=True,
        validate=validate.Length(
            min=1, error="Indiquer au moins un critère d'éligibilité (DELD, BRSA, QPV...)."
        ),
    )
    evidence = fields.List(fields.Nested(EvidenceIn), load_default=list)
    validated_on = day(required=True)
    valid_until = day(
        **OPTIONAL_ID, metadata={"description": "Fin de validité (24 mois par défaut)."}
    )
    expected_version = version_field()


class RefuseSchema(Schema):
    orientation_id = fields.UUID(**OPTIONAL_ID)
    sectors = sectors_field(required=True)
    reason = fields.Enum(RefusalReason, by_value=True, required=True)
    reason_text = text(
        500, required=False, **OPTIONAL_ID, metadata={"description": "Obligatoire pour AUTRE."}
    )
    refused_on = day(required=True)
    expected_version = version_field()


class PlieStartSchema(Schema):
    entry_date = day(required=True)
    referent = text(200, metadata={"description": "Le référent PLIE qui accompagne."})
    expected_version = version_field()


class PlieEndSchema(Schema):
    exit_date = day(required=True)
    reason = text(200, metadata={"description": "Motif de sortie du PLIE."})
    expected_version = version_field()


def _version(body: dict) -> int | None:
    return body.get("expected_version")


# ---- a person's path (writes) ---------------------------------------------------------
@blp.route("/people/<uuid:person_id>/orientations")
class Orientations(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(OrientSchema)
    @blp.response(201, PersonWriteResult)
    def post(self, body, person_id):
        """Enregistrer une orientation (prescripteur, date, secteurs visés)."""
        return run(
            OrientCandidate(
                person_id=person_id,
                orientation_id=uuid.uuid4(),
                prescriber_name=body["prescriber_name"],
                prescriber_kind=body["prescriber_kind"],
                oriented_on=body["oriented_on"],
                sectors=tuple(body["sectors"]),
                expected_version=_version(body),
            )
        )


@blp.route("/people/<uuid:person_id>/validations")
class Validations(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(ValidateSchema)
    @blp.response(201, PersonWriteResult)
    def post(self, body, person_id):
        """Valider l'éligibilité (secteurs, critères, justificatifs vus, fin de validité).

        Des justificatifs anciens sont acceptés avec un avertissement (``warnings``)."""
        evidence = tuple(
            Evidence(item["criterion"], item["document"], item["dated"])
            for item in body["evidence"]
        )
        return run(
            ValidateCandidate(
                person_id=person_id,
                validation_id=uuid.uuid4(),
                orientation_id=body["orientation_id"],
                sectors=tuple(body["sectors"]),
                criteria=tuple(body["criteria"]),
                evidence=evidence,
                validated_on=body["validated_on"],
                valid_until=body["valid_until"],
                expected_version=_version(body),
            )
        )


@blp.route("/people/<uuid:person_id>/refusals")
class Refusals(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(RefuseSchema)
    @blp.response(201, PersonWriteResult)
    def post(self, body, person_id):
        """Refuser l'éligibilité, avec un motif (texte obligatoire pour « Autre motif »)."""
        return run(
            RefuseCandidate(
                person_id=person_id,
                refusal_id=uuid.uuid4(),
                orientation_id=body["orientation_id"],
                sectors=tuple(body["sectors"]),
                reason=body["reason"],
                reason_text=body["reason_text"],
                refused_on=body["refused_on"],
                expected_version=_version(body),
            )
        )


@blp.route("/people/<uuid:person_id>/plie-links")
class PlieLinks(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(PlieStartSchema)
    @blp.response(201, PersonWriteResult)
    def post(self, body, person_id):
        """Enregistrer l'entrée dans un accompagnement PLIE (date, référent)."""
        return run(
            StartPlieLink(
                person_id=person_id,
                link_id=uuid.uuid4(),
                entry_date=body["entry_date"],
                referent=body["referent"],
                expected_version=_version(body),
            )
        )


@blp.route("/people/<uuid:person_id>/plie-links/<uuid:link_id>/end")
class PlieLinkEnd(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(PlieEndSchema)
    @blp.response(200, PersonWriteResult)
    def post(self, body, person_id, link_id):
        """Enregistrer la sortie du PLIE (date, motif)."""
        return run(
            EndPlieLink(
                person_id=person_id,
                link_id=link_id,
                exit_date=body["exit_date"],
                reason=body["reason"],
                expected_version=_version(body),
            )
        )
