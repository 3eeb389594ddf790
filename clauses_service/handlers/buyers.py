"""Handlers for buyer commands."""

from clauses_service.commands.buyers import RegisterBuyer, RenameBuyer, SetBuyerContacts
from clauses_service.domain import buyers
from clauses_service.handlers.base import Context, load, save
from events.catalog.buyers import STREAM_TYPE


def register_buyer(cmd: RegisterBuyer, ctx: Context) -> dict:
    state = load(ctx, cmd.buyer_id, buyers.fold)
    new = buyers.register(state, cmd.buyer_id, cmd.name, cmd.kind)
    save(ctx, STREAM_TYPE, cmd.buyer_id, state.version, new, cmd.expected_version)
    return {"buyer_id": str(cmd.buyer_id), "version": state.version + len(new)}


def rename_buyer(cmd: RenameBuyer, ctx: Context) -> dict:
    state = load(ctx, cmd.buyer_id, buyers.fold)
    new = buyers.rename(state, cmd.name)
    save(ctx, STREAM_TYPE, cmd.buyer_id, state.version, new, cmd.expected_version)
    return {"buyer_id": str(cmd.buyer_id), "version": state.version + len(new)}


def set_buyer_contacts(cmd: SetBuyerContacts, ctx: Context) -> dict:
    state = load(ctx, cmd.buyer_id, buyers.fold)
    new = buyers.set_contacts(state, cmd.emails)
    save(ctx, STREAM_TYPE, cmd.buyer_id, state.version, new, cmd.expected_version)
    return {"buyer_id": str(cmd.buyer_id), "version": state.version + len(new)}


HANDLERS = {
    RegisterBuyer: register_buyer,
    RenameBuyer: rename_buyer,
    SetBuyerContacts: set_buyer_contacts,
}
