"""/api/v1/markets: marchés with an insertion clause, their counting rules, lots,
amendments (avenants) and progress.

Scopes: a buyer sees its own markets; a company the markets where a lot is awarded to it
(and only those lots); the PLIE team and the facilitator every market. Only the
facilitator writes. A market or lot outside the scope is a 404, like an unknown one.
"""

from __future__ import annotations

import dataclasses
import uuid
from decimal import ROUND_HALF_UP, Decimal

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from clauses_service.api import market_schemas as s
from clauses_service.api.common import HistoryEntry, history, offset, page_schema, paged, run
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.markets import (
    AddLot,
    AmendLot,
    ChangeCountingRules,
    ChangeLotAwardee,
    ChangeMarketDetails,
    RegisterMarket,
)
from clauses_service.domain.errors import DomainError
from clauses_service.extensions import services
from events.catalog.markets import CountingRules
from projections import queries

blp = Blueprint(
    "markets",
    __name__,
    url_prefix="/markets",
    description="Marchés avec clause d'insertion, lots, avenants et suivi des heures",
)
READERS = (Role.FACILITATOR, Role.PLIE, Role.BUYER, Role.COMPANY)
RULE_FIELDS = {f.name for f in dataclasses.fields(CountingRules)}
MarketPage = page_schema(s.MarketSummary, "MarketPage")


# ---- scope ------------------------------------------------------------------------------
def _visible(market_id) -> dict:
    """The market as the current user may see it (a company: its own lots only), or 404."""
    scope = current_scope()
    with services().store.reading() as conn:
        market = queries.get_market(conn, market_id, company_ids=scope.company_ids)
    if market is None or not scope.sees_buyer(market["buyer_id"]):
        abort(404, message="Marché introuvable.")
    return market


def _visible_lot(market_id, lot_id) -> tuple[dict, dict]:
    market = _visible(market_id)
    lot = next((lot for lot in market["lots"] if lot["lot_id"] == str(lot_id)), None)
    if lot is None:
        abort(404, message="Lot introuvable dans ce marché.")
    return market, lot


def _with_rates(progress: dict) -> dict:
    """Each month's cumulative achievement rate (%), None when nothing is required."""
    required = progress["required_hours"]
    for month in progress["months"]:
        month["cumulative_rate"] = (
            (month["cumulative_hours"] * 100 / required).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            if required
            else None
        )
    return progress


def _rules_error(exc: DomainError):
    """Abort with a refusal of the rules named where the caller put them (``counting_rules``);
    return for any other error, which the caller re-raises."""
    if exc.field in RULE_FIELDS:
        errors = {"counting_rules": {exc.field: [exc.message]}}
        abort(exc.status, message=exc.message, errors=errors)


# ---- markets ----------------------------------------------------------------------------
@blp.route("")
class Markets(MethodView):
    @roles_required(*READERS)
    @blp.arguments(s.MarketListArgs, location="query")
    @blp.response(200, MarketPage)
    def get(self, args):
        """Liste des marchés visibles (filtres : donneur d'ordre, type, recherche)."""
        scope = current_scope()
        buyer_ids = scope.buyer_ids
        if args["buyer_id"] is not None:
            wanted = str(args["buyer_id"])
            buyer_ids = [wanted] if scope.sees_buyer(wanted) else []
        with services().store.reading() as conn:
            items, total = queries.list_markets(
                conn,
                buyer_ids=buyer_ids,
                company_ids=scope.company_ids,
                kind=args["kind"],
                search=args["search"],
                limit=args["page_size"],
                offset=offset(args),
            )
        return paged(items, total, args)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.MarketCreate)
    @blp.response(201, s.MarketWriteResult)
    def post(self, body):
        """Enregistrer un marché et ses règles de décompte (valeurs par défaut si absentes)."""
        given = body.pop("counting_rules")
        rules = CountingRules(**given) if given is not None else None
        try:
            return run(RegisterMarket(market_id=uuid.uuid4(), rules=rules, **body))
        except DomainError as exc:
            _rules_error(exc)
            raise


@blp.route("/<uuid:market_id>")
class MarketItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.MarketDetail)
    def get(self, market_id):
        """Un marché, ses lots (heures calculées, fixées, prévues) et l'historique des avenants."""
        return _visible(market_id)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.MarketChange)
    @blp.response(200, s.MarketWriteResult)
    def patch(self, body, market_id):
        """Modifier l'objet ou les dates du marché (les champs absents restent inchangés)."""
        market = _visible(market_id)
        return run(
            ChangeMarketDetails(
                market_id=market_id,
                title=body.get("title", market["title"]),
                start_date=body.get("start_date", market["start_date"]),
                end_date=body.get("end_date", market["end_date"]),
                expected_version=body.get("expected_version"),
            )
        )


@blp.route("/<uuid:market_id>/counting-rules")
class MarketRules(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.CountingRulesSchema)
    def get(self, market_id):
        """Les règles de décompte du marché."""
        return _visible(market_id)["rules"]

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.CountingRulesChange)
    @blp.response(200, s.MarketWriteResult)
    def put(self, body, market_id):
        """Remplacer les règles de décompte (les champs absents prennent la valeur par défaut)."""
        _visible(market_id)
        expected = body.pop("expected_version", None)
        return run(
            ChangeCountingRules(
                market_id=market_id, rules=CountingRules(**body), expected_version=expected
            )
        )

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.CountingRulesChange)
    @blp.response(200, s.MarketWriteResult)
    def patch(self, body, market_id):
        """Modifier certaines règles de décompte (les champs absents restent inchangés)."""
        market = _visible(market_id)
        expected = body.pop("expected_version", None)
        rules = dataclasses.replace(market["rules"], **body)
        return run(ChangeCountingRules(market_id=market_id, rules=rules, expected_version=expected))


@blp.route("/<uuid:market_id>/progress")
class MarketProgressView(MethodView):
    @roles_required(*READERS)
    @blp.arguments(s.MarketProgressArgs, location="query")
    @blp.response(200, s.MarketProgress)
    def get(self, args, market_id):
        """Heures prévues et comptées, mois par mois et en cumul ; taux ; reste à réaliser."""
        _visible(market_id)
        scope = current_scope()
        with services().store.reading() as conn:
            if scope.company_ids is not None:
                progress = queries.company_market_progress(
                    conn, market_id, scope.company_ids, args["until_month"]
                )
            else:
                progress = queries.market_progress(conn, market_id, args["until_month"])
        if progress is None:
            abort(404, message="Marché introuvable.")
        return _with_rates(progress)


@blp.route("/<uuid:market_id>/history")
class MarketHistory(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, market_id):
        """Historique du marché et de ses lots : qui a fait quoi, quand, depuis quelle source."""
        _visible(market_id)
        return history(str(market_id))


# ---- lots -------------------------------------------------------------------------------
@blp.route("/<uuid:market_id>/lots")
class Lots(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.LotSchema(many=True))
    def get(self, market_id):
        """Les lots visibles du marché, avec l'historique de leurs avenants."""
        return _visible(market_id)["lots"]

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.LotCreate)
    @blp.response(201, s.MarketWriteResult)
    def post(self, body, market_id):
        """Ajouter un lot : heures = montant HT × part de main-d'œuvre × taux ÷ coût horaire.

        ``manual_hours``, le chiffre fixé au marché, l'emporte sur le calcul.
        """
        _visible(market_id)
        return run(AddLot(market_id=market_id, lot_id=uuid.uuid4(), **body))


@blp.route("/<uuid:market_id>/lots/<uuid:lot_id>")
class LotItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.LotSchema)
    def get(self, market_id, lot_id):
        """Un lot et l'historique de ses avenants."""
        return _visible_lot(market_id, lot_id)[1]


@blp.route("/<uuid:market_id>/lots/<uuid:lot_id>/awardee")
class LotAwardee(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.AwardeeChange)
    @blp.response(200, s.MarketWriteResult)
    def put(self, body, market_id, lot_id):
        """Changer l'attributaire du lot (entreprise déjà enregistrée, par son SIRET)."""
        _visible_lot(market_id, lot_id)
        return run(ChangeLotAwardee(market_id=market_id, lot_id=lot_id, **body))


@blp.route("/<uuid:market_id>/lots/<uuid:lot_id>/amendments")
class LotAmendments(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.LotAmendment(many=True))
    def get(self, market_id, lot_id):
        """Les avenants du lot par date : heures remplacées et nouvelles heures prévues."""
        return _visible_lot(market_id, lot_id)[1]["amendments"]

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.AmendmentCreate)
    @blp.response(201, s.MarketWriteResult)
    def post(self, body, market_id, lot_id):
        """Enregistrer un avenant : nouvelles heures prévues à partir de sa date."""
        _visible_lot(market_id, lot_id)
        return run(AmendLot(market_id=market_id, lot_id=lot_id, **body))


@blp.route("/<uuid:market_id>/lots/<uuid:lot_id>/progress")
class LotProgressView(MethodView):
    @roles_required(*READERS)
    @blp.arguments(s.MarketProgressArgs, location="query")
    @blp.response(200, s.LotProgress)
    def get(self, args, market_id, lot_id):
        """Heures prévues et comptées du lot, mois par mois et en cumul."""
        _visible_lot(market_id, lot_id)
        with services().store.reading() as conn:
            progress = queries.lot_progress(conn, lot_id, args["until_month"])
        if progress is None:
            abort(404, message="Lot introuvable dans ce marché.")
        return _with_rates(progress)
