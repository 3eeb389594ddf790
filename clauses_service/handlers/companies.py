"""Handlers for company commands. A SIRET belongs to one company (claim "siret")."""

from clauses_service.commands.companies import ChangeCompanyDetails, RegisterCompany
from clauses_service.domain import companies
from clauses_service.domain.errors import AlreadyExists
from clauses_service.handlers.base import Context, claim, load, save
from events.catalog.companies import STREAM_TYPE

SIRET_CLAIM = "siret"


def register_company(cmd: RegisterCompany, ctx: Context) -> dict:
    state = load(ctx, cmd.company_id, companies.fold)
    new = companies.register(state, cmd.company_id, cmd.siret, cmd.name, cmd.kind)
    siret = new[0].siret
    try:
        claim(
            ctx,
            SIRET_CLAIM,
            siret,
            cmd.company_id,
            f"Une entreprise est déjà enregistrée avec le SIRET {siret} : "
            "recherchez-la plutôt que de la créer à nouveau.",
        )
    except AlreadyExists as exc:
        raise AlreadyExists(exc.message, field="siret") from None
    save(ctx, STREAM_TYPE, cmd.company_id, state.version, new, cmd.expected_version)
    return {"company_id": str(cmd.company_id), "siret": siret, "version": state.version + len(new)}


def change_company_details(cmd: ChangeCompanyDetails, ctx: Context) -> dict:
    state = load(ctx, cmd.company_id, companies.fold)
    new = companies.change_details(state, cmd.name, cmd.kind)
    save(ctx, STREAM_TYPE, cmd.company_id, state.version, new, cmd.expected_version)
    return {"company_id": str(cmd.company_id), "version": state.version + len(new)}


HANDLERS = {
    RegisterCompany: register_company,
    ChangeCompanyDetails: change_company_details,
}
