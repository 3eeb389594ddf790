"""Handlers for contract commands: load the contract and what the decision needs, decide,
save.

A person's contracts are found through the index stream ``person-contracts:<person_id>``
(one ``PersonContractIndexed`` per contract, appended with ``ContractStarted``), so the
monthly total check works on every store, without a read table. The total covers the
whole merge group: the survivor and everyone merged into it.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from clauses_service.commands.contracts import (
    CorrectHours,
    EndContract,
    ExtendContract,
    RecordExit,
    RecordHours,
    StartContract,
    WithdrawHours,
)
from clauses_service.domain import contracts, markets
from clauses_service.domain.companies import compact_siret
from clauses_service.domain.contracts import Contract, first_of_month
from clauses_service.domain.errors import NotFound
from clauses_service.domain.people import fold as fold_person
from clauses_service.handlers.base import Context, claimed_by, load, save
from clauses_service.handlers.people import load_person, survivor_id
from events.catalog.contracts import (
    PERSON_CONTRACTS_STREAM_TYPE,
    STREAM_TYPE,
    PersonContractIndexed,
    person_contracts_stream,
)

_MAX_GROUP = 1000  # merges form a forest; a bigger group means corrupted data


def normalise_siret(value: str | None) -> str:
    """The SIRET as companies claim it (spaces, dots, dashes removed)."""
    return compact_siret(value).strip()


def _company(ctx: Context, siret: str) -> UUID | None:
    return claimed_by(ctx, "siret", siret) if siret else None


def _contract(ctx: Context, contract_id) -> Contract:
    return load(ctx, contract_id, contracts.fold)


def _loaded(ctx: Context, contract_id) -> Contract:
    state = _contract(ctx, contract_id)
    if not state.exists:
        raise NotFound("Contrat introuvable.", field="contract_id")
    return state


def _result(state: Contract, new: list, **extra) -> dict:
    return {"contract_id": str(state.contract_id), "version": state.version + len(new), **extra}


# ---- the person's other contracts -----------------------------------------------------
def _merge_group(ctx: Context, person_id: UUID) -> list[UUID]:
    """The survivor of ``person_id`` and everyone merged into it, directly or not."""
    groups = getattr(ctx.tx, "merge_groups", None)  # a whole-file import merges nobody
    if groups is None:
        return _walk_group(ctx, person_id)
    group = groups.get(person_id)
    if group is None:
        group = groups[person_id] = _walk_group(ctx, person_id)
    return group


def _walk_group(ctx: Context, person_id: UUID) -> list[UUID]:
    survivor = survivor_id(ctx, person_id) or person_id
    group, frontier = [], [survivor]
    while frontier and len(group) < _MAX_GROUP:
        current = frontier.pop()
        if current in group:
            continue
        group.append(current)
        frontier.extend(load(ctx, current, fold_person).absorbed)
    return group


def _contract_ids_of(ctx: Context, person_id: UUID) -> list[UUID]:
    stream = ctx.tx.read_stream(person_contracts_stream(person_id))
    return [r.event.contract_id for r in stream]


def _others_total(ctx: Context, state: Contract, month) -> Decimal:
    """Hours of the person (merge group) in ``month`` on their contracts other than this one."""
    month = first_of_month(month)
    total = Decimal("0.00")
    for person_id in _merge_group(ctx, state.person_id):
        for contract_id in _contract_ids_of(ctx, person_id):
            if contract_id != state.contract_id:
                total += _contract(ctx, contract_id).hours_in(month)
    return total


def _rules(ctx: Context, state: Contract):
    return load(ctx, state.market_id, markets.fold).rules


# ---- handlers -------------------------------------------------------------------------
def start_contract(cmd: StartContract, ctx: Context) -> dict:
    state = _contract(ctx, cmd.contract_id)
    employer_siret = normalise_siret(cmd.employer_siret)
    user_siret = normalise_siret(cmd.user_siret) or None
    new = contracts.start(
        state,
        contract_id=cmd.contract_id,
        person=load_person(ctx, cmd.person_id),
        market=load(ctx, cmd.market_id, markets.fold),
        lot_id=cmd.lot_id,
        employer_siret=employer_siret,
        employer_company_id=_company(ctx, employer_siret),
        user_siret=user_siret,
        user_company_id=_company(ctx, user_siret),
        contract_type=cmd.contract_type,
        modality=cmd.modality,
        start_date=cmd.start_date,
        planned_end=cmd.planned_end,
        weekly_hours=cmd.weekly_hours,
        eligibility_override=cmd.eligibility_override,
    )
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    index = person_contracts_stream(new[0].person_id)
    ctx.tx.append(
        PERSON_CONTRACTS_STREAM_TYPE,
        index,
        ctx.tx.stream_version(index),
        [PersonContractIndexed(new[0].person_id, cmd.contract_id)],
    )
    override = new[0].eligibility_override
    return {"contract_id": str(cmd.contract_id), "version": 1, "eligibility_override": override}


def extend_contract(cmd: ExtendContract, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new = contracts.extend(state, cmd.planned_end, cmd.reason)
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _result(state, new)


def end_contract(cmd: EndContract, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new = contracts.end(state, cmd.end_date, cmd.reason, cmd.reason_text)
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _result(state, new)


def _hours_result(state: Contract, new: list, month, warnings: list[str]) -> dict:
    counted = str(new[0].counted_hours) if new else None
    return _result(
        state,
        new,
        month=first_of_month(month).isoformat(),
        counted_hours=counted,
        warnings=list(warnings),
    )


def record_hours(cmd: RecordHours, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new, warnings = contracts.record_hours(
        state,
        _rules(ctx, state),
        cmd.month,
        cmd.hours,
        cmd.training_hours,
        _others_total(ctx, state, cmd.month),
    )
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _hours_result(state, new, cmd.month, warnings)


def correct_hours(cmd: CorrectHours, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new, warnings = contracts.correct_hours(
        state,
        _rules(ctx, state),
        cmd.month,
        cmd.hours,
        cmd.training_hours,
        cmd.reason,
        _others_total(ctx, state, cmd.month),
    )
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _hours_result(state, new, cmd.month, warnings)


def withdraw_hours(cmd: WithdrawHours, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new = contracts.withdraw_hours(state, cmd.month, cmd.reason)
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _result(state, new, month=first_of_month(cmd.month).isoformat())


def record_exit(cmd: RecordExit, ctx: Context) -> dict:
    state = _loaded(ctx, cmd.contract_id)
    new = contracts.record_exit(
        state, cmd.stage, cmd.outcome, cmd.observed_on, cmd.detail, ctx.today
    )
    save(ctx, STREAM_TYPE, cmd.contract_id, state.version, new, cmd.expected_version)
    return _result(state, new, positive=new[0].outcome.positive)


HANDLERS = {
    StartContract: start_contract,
    ExtendContract: extend_contract,
    EndContract: end_contract,
    RecordHours: record_hours,
    CorrectHours: correct_hours,
    WithdrawHours: withdraw_hours,
    RecordExit: record_exit,
}
