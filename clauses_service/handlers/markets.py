"""Handlers for market commands: the market stream holds its lots and their amendments.

Unique keys: a market reference (normalised, claim "market-reference"); lots name their
awarded company by SIRET, resolved through the "siret" claim of companies.
"""

from functools import reduce
from uuid import UUID

from clauses_service.commands.markets import (
    AddLot,
    AmendLot,
    ChangeCountingRules,
    ChangeLotAwardee,
    ChangeMarketDetails,
    RegisterMarket,
)
from clauses_service.domain import buyers, markets
from clauses_service.domain import market_decisions as decide
from clauses_service.domain.companies import normalise_siret
from clauses_service.domain.errors import AlreadyExists, NotFound
from clauses_service.handlers.base import Context, claim, claimed_by, load, save
from clauses_service.handlers.companies import SIRET_CLAIM
from events.catalog.markets import STREAM_TYPE

REFERENCE_CLAIM = "market-reference"


def _result(cmd, state: markets.Market, new: list, **extra) -> dict:
    return {"market_id": str(cmd.market_id), "version": state.version + len(new), **extra}


def _lot_result(cmd, state: markets.Market, new: list, **extra) -> dict:
    """The market's new version and the lot's hours as they now stand."""
    after = reduce(markets.evolve, new, state)
    lot = after.lot(cmd.lot_id)
    return _result(
        cmd,
        state,
        new,
        lot_id=str(cmd.lot_id),
        awarded_company_id=str(lot.awarded_company_id),
        computed_hours=str(lot.computed_hours),
        required_hours=str(lot.required_hours),
        **extra,
    )


def _company_of(ctx: Context, siret: str) -> tuple[UUID, str]:
    """The company registered with ``siret`` (field ``awarded_siret``), or NotFound."""
    normalised = normalise_siret(siret, field="awarded_siret")
    company_id = claimed_by(ctx, SIRET_CLAIM, normalised)
    if company_id is None:
        raise NotFound(
            f"Aucune entreprise enregistrée avec le SIRET {normalised} : enregistrez "
            "l'entreprise avant de lui attribuer un lot.",
            field="awarded_siret",
        )
    return company_id, normalised


def register_market(cmd: RegisterMarket, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    buyer = load(ctx, cmd.buyer_id, buyers.fold)
    new = decide.register(
        state,
        buyer,
        cmd.market_id,
        cmd.reference,
        cmd.title,
        cmd.kind,
        cmd.legal_basis,
        cmd.start_date,
        cmd.end_date,
        cmd.rules,
    )
    reference = new[0].reference
    try:
        claim(
            ctx,
            REFERENCE_CLAIM,
            decide.reference_key(reference),
            cmd.market_id,
            f"Un marché est déjà enregistré avec la référence « {reference} ».",
        )
    except AlreadyExists as exc:
        raise AlreadyExists(exc.message, field="reference") from None
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    return _result(cmd, state, new)


def change_market_details(cmd: ChangeMarketDetails, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    new = decide.change_details(state, cmd.title, cmd.start_date, cmd.end_date)
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    return _result(cmd, state, new)


def change_counting_rules(cmd: ChangeCountingRules, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    new = decide.change_rules(state, cmd.rules)
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    return _result(cmd, state, new)


def add_lot(cmd: AddLot, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    decide.check_market(state)  # "market not found" before "SIRET not found"
    company_id, siret = _company_of(ctx, cmd.awarded_siret)
    new = decide.add_lot(
        state,
        cmd.lot_id,
        cmd.number,
        cmd.title,
        company_id,
        siret,
        cmd.amount_excl_vat,
        cmd.labour_share,
        cmd.insertion_rate,
        cmd.hourly_cost,
        cmd.manual_hours,
    )
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    return _lot_result(cmd, state, new)


def change_lot_awardee(cmd: ChangeLotAwardee, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    decide.check_lot(state, cmd.lot_id)
    company_id, siret = _company_of(ctx, cmd.awarded_siret)
    new = decide.change_lot_awardee(state, cmd.lot_id, company_id, siret)
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    return _lot_result(cmd, state, new)


def amend_lot(cmd: AmendLot, ctx: Context) -> dict:
    state = load(ctx, cmd.market_id, markets.fold)
    new = decide.amend_lot(
        state, cmd.lot_id, cmd.amended_on, cmd.reason, cmd.required_hours, cmd.amount_excl_vat
    )
    save(ctx, STREAM_TYPE, cmd.market_id, state.version, new, cmd.expected_version)
    warnings = decide.amendment_warnings(state, cmd.amended_on)
    return _lot_result(cmd, state, new, **({"warnings": warnings} if warnings else {}))


HANDLERS = {
    RegisterMarket: register_market,
    ChangeMarketDetails: change_market_details,
    ChangeCountingRules: change_counting_rules,
    AddLot: add_lot,
    ChangeLotAwardee: change_lot_awardee,
    AmendLot: amend_lot,
}
