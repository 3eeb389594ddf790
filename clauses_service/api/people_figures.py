"""Figures of a period about people's paths: orientations split PLIE referents / other
prescribers (with QPV and sectors), outcomes of eligibility per sector.

The facilitator reads everyone's; the PLIE team reads its participants' only (people
who have or had a PLIE link); companies and buyers read none of this.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema

from clauses_service.api.common import offset
from clauses_service.api.people_common import (
    OrientationSchema,
    between,
    day,
    label,
    present_orientation,
    readable_ids,
)
from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from clauses_service.extensions import services
from events.catalog.people import PrescriberKind, RefusalReason, Sex
from events.catalog.sectors import Sector
from projections import queries

blp = Blueprint(
    "people_figures",
    __name__,
    url_prefix="",
    description="Chiffres d'une période : orientations, décisions d'éligibilité",
)
READERS = (Role.FACILITATOR, Role.PLIE)


class PeoplePeriodArgs(Schema):
    start = day(required=True, data_key="from", metadata={"description": "Premier jour."})
    end = day(required=True, data_key="to", metadata={"description": "Dernier jour."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError(
                "La fin de période doit être postérieure ou égale à son début.", field_name="to"
            )


class OrientationPeriodArgs(PeoplePeriodArgs):
    page = fields.Integer(load_default=1, validate=between(1, 100_000))
    page_size = fields.Integer(load_default=50, validate=between(1, 200))


# ---- output ------------------------------------------------------------------------------
class OrientationSectorCount(Schema):
    sector = fields.String()
    sector_label = fields.String()
    count = fields.Integer()


class PrescriberKindCount(Schema):
    prescriber_kind = fields.String()
    prescriber_kind_label = fields.String()
    count = fields.Integer()


class OrientationGroup(Schema):
    count = fields.Integer()
    in_qpv = fields.Integer(metadata={"description": "Dont résidents d'un QPV."})
    by_sector = fields.List(fields.Nested(OrientationSectorCount))
    by_prescriber_kind = fields.List(fields.Nested(PrescriberKindCount))


class PeriodOrientation(OrientationSchema):
    sex = fields.String(allow_none=True)
    sex_label = fields.String(allow_none=True)
    qpv = fields.String(allow_none=True)


class OrientationPeriod(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    total = fields.Integer()
    plie_referents = fields.Nested(OrientationGroup)
    other_prescribers = fields.Nested(OrientationGroup)
    items = fields.List(fields.Nested(PeriodOrientation))
    page = fields.Integer()
    page_size = fields.Integer()


class RefusalReasonCount(Schema):
    reason = fields.String()
    reason_label = fields.String()
    count = fields.Integer()


class EligibilitySectorOutcome(Schema):
    sector = fields.String()
    sector_label = fields.String()
    validated = fields.Integer()
    refused = fields.Integer()
    refused_by_reason = fields.List(fields.Nested(RefusalReasonCount))


class OutcomesPeriod(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    sectors = fields.List(fields.Nested(EligibilitySectorOutcome))


# ---- figures of a period --------------------------------------------------------------
def _group(rows: list[dict]) -> dict:
    by_sector = {sector.value: 0 for sector in Sector}
    by_kind: dict[str, int] = {}
    for row in rows:
        for sector in row["sectors"]:
            by_sector[sector] = by_sector.get(sector, 0) + 1
        by_kind[row["prescriber_kind"]] = by_kind.get(row["prescriber_kind"], 0) + 1
    return {
        "count": len(rows),
        "in_qpv": sum(1 for row in rows if row["qpv"]),
        "by_sector": [
            {"sector": code, "sector_label": label(Sector, code), "count": count}
            for code, count in by_sector.items()
        ],
        "by_prescriber_kind": [
            {
                "prescriber_kind": kind.value,
                "prescriber_kind_label": kind.label,
                "count": by_kind[kind.value],
            }
            for kind in PrescriberKind
            if kind.value in by_kind
        ],
    }


@blp.route("/orientations")
class OrientationsOfPeriod(MethodView):
    @roles_required(*READERS)
    @blp.arguments(OrientationPeriodArgs, location="query")
    @blp.response(200, OrientationPeriod)
    def get(self, args):
        """Orientations d'une période (bornes incluses) : référents PLIE / autres prescripteurs,
        avec les QPV et les secteurs ; le détail page par page."""
        with services().store.reading() as conn:
            rows = queries.orientations_in(conn, args["start"], args["end"])
            allowed = readable_ids(conn)
        if allowed is not None:
            rows = [row for row in rows if row["person_id"] in allowed]
        start = offset(args)
        items = [
            {**present_orientation(row), "sex_label": label(Sex, row["sex"])}
            for row in rows[start : start + args["page_size"]]
        ]
        return {
            "start": args["start"],
            "end": args["end"],
            "total": len(rows),
            "plie_referents": _group([row for row in rows if row["is_plie"]]),
            "other_prescribers": _group([row for row in rows if not row["is_plie"]]),
            "items": items,
            "page": args["page"],
            "page_size": args["page_size"],
        }


@blp.route("/validation-outcomes")
class OutcomesOfPeriod(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PeoplePeriodArgs, location="query")
    @blp.response(200, OutcomesPeriod)
    def get(self, args):
        """Validations et refus d'une période par secteur, refus par motif (une décision
        sur deux secteurs compte dans chacun)."""
        with services().store.reading() as conn:
            allowed = readable_ids(conn)
            outcomes = queries.validation_outcomes_of(conn, args["start"], args["end"], allowed)
        sectors = [
            {
                "sector": code,
                "sector_label": label(Sector, code),
                "validated": figures["validated"],
                "refused": figures["refused"],
                "refused_by_reason": [
                    {"reason": reason, "reason_label": label(RefusalReason, reason), "count": n}
                    for reason, n in figures["refused_by_reason"].items()
                ],
            }
            for code, figures in outcomes.items()
        ]
        return {"start": args["start"], "end": args["end"], "sectors": sectors}
