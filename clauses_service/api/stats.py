"""/api/v1/stats (hours and people breakdowns) and /api/v1/exits (positive exits).

Figures are filtered by the caller's scope, never refused: a buyer gets the figures of
its markets, a company those of its contracts (hours only), the PLIE team those of PLIE
participants. Hours are strings with two decimals (``"42437.89"``), never floats.
"""

from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates, validates_schema

from clauses_service.api.contracts import scope_filters
from clauses_service.api.hours import Month
from clauses_service.auth.roles import Role, Scope
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.domain.contracts import fr_month
from clauses_service.extensions import services
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, ExitStage, Modality
from events.catalog.sectors import Sector
from projections import queries
from projections.queries.contracts import BREAKDOWN_KEYS

blp = Blueprint("stats", __name__, url_prefix="/stats", description="Statistiques")
exits_blp = Blueprint("exits", __name__, url_prefix="/exits", description="Sorties")
HOURS_READERS = (Role.FACILITATOR, Role.COMPANY, Role.BUYER, Role.PLIE)
PEOPLE_READERS = (Role.FACILITATOR, Role.BUYER, Role.PLIE)
KEY_LABELS = {
    "buyer": "donneur d'ordre",
    "market": "marché",
    "lot": "lot",
    "company": "entreprise employeuse",
    "month": "mois",
    "sector": "secteur",
    "contract_type": "type de contrat",
    "modality": "modalité",
    "employer_kind": "type d'employeur",
}


# ---- arguments ------------------------------------------------------------------------
class StatsFilters(Schema):
    buyer_id = fields.UUID(load_default=None)
    market_id = fields.UUID(load_default=None)
    company_id = fields.UUID(load_default=None)


class StatsPeriod(StatsFilters):
    start = Month(data_key="from", required=True, metadata={"example": "2024-01"})
    end = Month(data_key="to", required=True, metadata={"example": "2024-12"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise ValidationError("Le mois de début suit le mois de fin.", field_name="from")


class HoursArgs(StatsPeriod):
    by = fields.String(
        load_default="",
        metadata={
            "description": f"Regroupements séparés par des virgules : {', '.join(KEY_LABELS)}"
        },
    )

    @validates("by")
    def _known_keys(self, value, **kwargs):
        unknown = [key for key in _keys(value) if key not in BREAKDOWN_KEYS]
        if unknown:
            raise ValidationError(
                f"Regroupement inconnu : {', '.join(unknown)[:200]}. "
                f"Regroupements possibles : {', '.join(BREAKDOWN_KEYS)}."
            )


class ExitArgs(StatsFilters):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    stage = fields.Enum(ExitStage, by_value=True, load_default=None)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise ValidationError("La date de début suit la date de fin.", field_name="from")


def _keys(value: str) -> list[str]:
    return [key.strip() for key in (value or "").split(",") if key.strip()]


# ---- results --------------------------------------------------------------------------
class HoursStatsRow(Schema):
    buyer = fields.String(allow_none=True)
    market = fields.String(allow_none=True)
    lot = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    month = Month(allow_none=True)
    sector = fields.String(allow_none=True)
    contract_type = fields.String(allow_none=True)
    modality = fields.String(allow_none=True)
    employer_kind = fields.String(allow_none=True)
    hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    training_hours = fields.Decimal(as_string=True)
    contracts = fields.Integer()
    labels = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Libellé en français de chaque regroupement de la ligne"},
    )


class HoursStats(Schema):
    start = Month(data_key="from")
    end = Month(data_key="to")
    by = fields.List(fields.String())
    rows = fields.List(fields.Nested(HoursStatsRow))
    total = fields.Nested(HoursStatsRow)


class PeopleStats(Schema):
    start = Month(data_key="from")
    end = Month(data_key="to")
    people = fields.Integer()
    contracts = fields.Integer()
    hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    by_sex = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_age = fields.Dict(keys=fields.String(), values=fields.Integer())
    qpv = fields.Integer()
    by_qpv = fields.Dict(keys=fields.String(), values=fields.Integer())
    plie = fields.Integer()
    plie_hours = fields.Decimal(as_string=True)
    rsa = fields.Integer()
    rqth = fields.Integer()
    by_prescriber = fields.Dict(keys=fields.String(), values=fields.Integer())


class ExitOutcomeCount(Schema):
    outcome = fields.String()
    label = fields.String()
    positive = fields.Boolean()
    count = fields.Integer()
    qpv = fields.Integer()


class ExitStats(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    stage = fields.String(allow_none=True)
    total = fields.Integer()
    positive = fields.Integer()
    qpv = fields.Integer()
    positive_qpv = fields.Integer()
    by_outcome = fields.List(fields.Nested(ExitOutcomeCount))


# ---- scope ----------------------------------------------------------------------------
def _filters(conn, scope: Scope, args: dict) -> dict:
    """The scope's restrictions, narrowed by the optional filters of the request (a filter
    outside the scope gives empty figures, as if nothing matched)."""
    filters = scope_filters(conn, scope)
    filters["market_ids"] = None
    if args.get("buyer_id") is not None:
        buyer = str(args["buyer_id"])
        filters["buyer_ids"] = [buyer] if scope.sees_buyer(buyer) else []
    if args.get("company_id") is not None:
        company = str(args["company_id"])
        filters["company_ids"] = [company] if scope.sees_company(company) else []
    if args.get("market_id") is not None:
        filters["market_ids"] = [str(args["market_id"])]
    return filters


NOT_GIVEN = "non renseigné"
CHOICES = {
    "sector": Sector,
    "contract_type": ContractType,
    "modality": Modality,
    "employer_kind": CompanyKind,
}


def _choice_label(cls, value) -> str:
    try:
        return cls(value).label
    except ValueError:
        return str(value)


def with_labels(conn, rows: list[dict], keys: list[str]) -> list[dict]:
    """Each row with ``labels``: the French name of each of its groups."""
    names = {
        key: queries.breakdown_names(conn, key, (row[key] for row in rows))
        for key in keys
        if key not in CHOICES and key != "month"
    }
    out = []
    for row in rows:
        labels = {}
        for key in keys:
            value = row[key]
            if value is None:
                labels[key] = NOT_GIVEN
            elif key == "month":
                labels[key] = fr_month(value)
            elif key in CHOICES:
                labels[key] = _choice_label(CHOICES[key], value)
            else:
                labels[key] = names[key].get(str(value), str(value))
        out.append({**row, "labels": labels})
    return out


ZERO = Decimal("0.00")
ZERO_ROW = {"hours": ZERO, "counted_hours": ZERO, "training_hours": ZERO, "contracts": 0}


# ---- views ----------------------------------------------------------------------------
@blp.route("/hours")
class HoursBreakdown(MethodView):
    @roles_required(*HOURS_READERS)
    @blp.arguments(HoursArgs, location="query")
    @blp.response(200, HoursStats)
    def get(self, args):
        """Heures (comptabilisées, de formation) et contrats par regroupement, sur une période."""
        by = list(dict.fromkeys(_keys(args["by"])))
        with services().store.reading() as conn:
            filters = _filters(conn, current_scope(), args)
            rows = queries.hours_breakdown(conn, by, args["start"], args["end"], **filters)
            rows = with_labels(conn, rows, by)
            total = queries.hours_breakdown(conn, [], args["start"], args["end"], **filters)
        return {
            "start": args["start"],
            "end": args["end"],
            "by": by,
            "rows": rows,
            "total": total[0] if total else ZERO_ROW,
        }


@blp.route("/people")
class PeopleBreakdown(MethodView):
    @roles_required(*PEOPLE_READERS)
    @blp.arguments(StatsPeriod, location="query")
    @blp.response(200, PeopleStats)
    def get(self, args):
        """Personnes ayant des heures comptabilisées : sexe, âge, QPV, PLIE, RSA, RQTH,
        prescripteur."""
        with services().store.reading() as conn:
            filters = _filters(conn, current_scope(), args)
            result = queries.people_breakdown(conn, args["start"], args["end"], **filters)
        return {"start": args["start"], "end": args["end"], **result}


@exits_blp.route("")
class Exits(MethodView):
    @roles_required(*PEOPLE_READERS)
    @exits_blp.arguments(ExitArgs, location="query")
    @exits_blp.response(200, ExitStats)
    def get(self, args):
        """Sorties constatées sur une période : total, sorties positives, QPV, par situation."""
        with services().store.reading() as conn:
            filters = _filters(conn, current_scope(), args)
            result = queries.exits_in(conn, args["start"], args["end"], args["stage"], **filters)
        stage = args["stage"].value if args["stage"] is not None else None
        return {"start": args["start"], "end": args["end"], "stage": stage, **result}
