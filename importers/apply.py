"""One spreadsheet row decided: matched, then handed to the contract handlers.

The rules are those of the manual path: a row becomes ``RecordHours`` (or
``CorrectHours`` when the month is already recorded with other values, or nothing
when the values are the same), and ``StartContract`` first when the person has no
contract on that lot with that employer covering the month. The handlers run on the
import's context, so every threshold, eligibility and period rule is the one the
API applies; their refusal becomes the row's rejection, naming the column.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from clauses_service.commands.contracts import CorrectHours, RecordHours, StartContract
from clauses_service.domain.contracts import fr_month
from clauses_service.domain.errors import DomainError
from clauses_service.handlers import contracts as contract_handlers
from clauses_service.handlers.base import Context
from events.catalog.companies import CompanyKind
from events.catalog.contracts import Modality
from events.catalog.imports import RowAction, RowOutcome, RowStatus
from importers import cells
from importers.headers import COLUMNS
from importers.matching import Lookups, RowProblem, contracts_of, running_contract
from importers.rows import ROW_ERROR, ParsedRow

ZERO = Decimal("0.00")
PERSON_LABEL = "Personne (Nom, Prénom, Date de naissance)"
LENT_BY = {CompanyKind.ETTI, CompanyKind.AI, CompanyKind.GEIQ}

# Field named by a domain error -> column of the sheet.
FIELD_COLUMNS = {
    "hours": "hours",
    "training_hours": "training_hours",
    "month": "month",
    "employer_siret": "employer_siret",
    "user_siret": "employer_siret",
    "start_date": "contract_start",
    "planned_end": "contract_end",
    "contract_type": "contract_type",
    "modality": "contract_type",
    "lot_id": "lot",
    "market_id": "market_reference",
    "person_id": "person",
}


def default_labels() -> dict[str, str]:
    return {name: spec.label for name, spec in COLUMNS.items()}


@dataclass
class FileContext:
    """What every row of one file shares."""

    import_id: UUID
    filename: str
    lookups: Lookups
    labels: dict[str, str] = field(default_factory=default_labels)
    allowed_company_ids: frozenset[str] | None = None
    source_kind: str = "import"


# ---- the row's cells as text (kept for the queue) --------------------------------------
def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "month" and isinstance(value, date):
        return f"{value:%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return str(value)


def row_cells(parsed: ParsedRow) -> dict[str, str]:
    """Each column as text: the cleaned value when it cleaned, else the cell as read."""
    out = {}
    for name, raw in parsed.raw.items():
        if name in parsed.values and parsed.values[name] is not None:
            out[name] = _as_text(name, parsed.values[name])
        elif cells.is_empty(raw):
            out[name] = ""
        else:
            out[name] = raw if isinstance(raw, str) else cells.show(raw)
    return out


def _rejected(parsed: ParsedRow, errors: dict[str, str], **known) -> RowOutcome:
    month = parsed.values.get("month")
    return RowOutcome(
        row_number=parsed.row_number,
        status=RowStatus.REJECTED,
        action=RowAction.NONE,
        month=month,
        warnings=tuple(parsed.warnings),
        errors=dict(errors),
        cells=row_cells(parsed),
        **known,
    )


# ---- deciding -----------------------------------------------------------------------------
def _label(file: FileContext, column: str, used_person_id: bool) -> str:
    if column == "person":
        return (
            file.labels.get("person_id", "Identifiant personne") if used_person_id else PERSON_LABEL
        )
    return file.labels.get(column) or COLUMNS[column].label if column in COLUMNS else ""


def _problem(file: FileContext, error: DomainError, used_person_id: bool) -> RowProblem:
    column = FIELD_COLUMNS.get(error.field or "", ROW_ERROR)
    label = _label(file, column, used_person_id) if column != ROW_ERROR else ""
    text = error.message
    if label and len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    message = f"{label} : {text}" if label else text
    if column == "person":
        column = "person_id" if used_person_id else "last_name"
    return RowProblem(column, message)


def _modality(employer: dict, lot) -> tuple[Modality, str | None]:
    if str(employer["company_id"]) == str(lot.awarded_company_id):
        return Modality.EMBAUCHE_DIRECTE, None
    if CompanyKind(employer["kind"]) in LENT_BY:
        return Modality.MISE_A_DISPOSITION, lot.awarded_siret
    return Modality.SOUS_TRAITANCE, None


def _new_contract_id(import_id: UUID, row_number: int) -> UUID:
    return uuid.uuid5(UUID(str(import_id)), f"row-{row_number}")


def decide_row(
    ctx: Context, parsed: ParsedRow, file: FileContext, person_id: UUID | None = None
) -> RowOutcome:
    """The outcome of one row; what it records is appended on ``ctx.tx``."""
    if parsed.errors:
        return _rejected(parsed, parsed.errors)
    values = parsed.values
    used_person_id = person_id is not None or bool(values.get("person_id"))
    known: dict[str, Any] = {}
    try:
        return _decide(ctx, parsed, file, person_id, known)
    except RowProblem as problem:
        return _rejected(parsed, {problem.column: problem.message}, **known)
    except DomainError as error:
        problem = _problem(file, error, used_person_id)
        return _rejected(parsed, {problem.column: problem.message}, **known)


def _decide(
    ctx: Context, parsed: ParsedRow, file: FileContext, person_id: UUID | None, known: dict
) -> RowOutcome:
    values, labels = parsed.values, file.labels
    siret = values["employer_siret"]
    employer = file.lookups.company(siret)
    if employer is None:
        raise RowProblem(
            "employer_siret",
            f"{labels['employer_siret']} : aucune entreprise n'est enregistrée avec le SIRET "
            f"« {siret} » ; vérifiez le SIRET de l'établissement employeur ou demandez au "
            "facilitateur d'enregistrer l'entreprise.",
        )
    employer_id = file.lookups.company_uuid(employer)
    known["company_id"] = employer_id
    lot = file.lookups.lot(values["market_reference"], values.get("lot"), labels)
    allowed = file.allowed_company_ids
    if allowed is not None and not {str(employer_id), str(lot.awarded_company_id)} & allowed:
        raise RowProblem(
            "employer_siret",
            f"{labels['employer_siret']} : le SIRET « {siret} » n'est pas l'un de vos "
            f"établissements, et le lot {lot.lot_number} du marché {lot.market_reference} ne "
            "vous est pas attribué ; ne déclarez que les heures de vos propres salariés ou "
            "des personnes mises à votre disposition.",
        )
    if person_id is None and values.get("person_id"):
        person_id = file.lookups.person_by_id(values["person_id"], labels["person_id"])
    elif person_id is None:
        person_id = file.lookups.person_by_identity(
            values["last_name"], values["first_name"], values["birth_date"]
        )
    known["person_id"] = person_id
    month: date = values["month"]
    hours: Decimal = values["hours"]
    training: Decimal = values.get("training_hours") or ZERO
    contract = running_contract(
        contracts_of(ctx, person_id),
        lot_id=lot.lot_id,
        employer_company_id=employer_id,
        contract_type=values.get("contract_type"),
        start=values.get("contract_start"),
        month=month,
    )
    if contract is None:
        return _start_and_record(ctx, parsed, file, employer, lot, person_id, known)
    known["contract_id"] = contract.contract_id
    line = contract.active_line(month)
    if line is not None and (line.hours, line.training_hours) == (hours, training):
        return _accepted(parsed, RowAction.UNCHANGED, list(line.warnings), known, hours, training)
    if line is not None:
        result = contract_handlers.correct_hours(
            CorrectHours(
                contract_id=contract.contract_id,
                month=month,
                hours=hours,
                training_hours=training,
                reason=f"Relevé corrigé : fichier « {file.filename} », ligne {parsed.row_number}.",
            ),
            ctx,
        )
        return _accepted(parsed, RowAction.CORRECTED, result["warnings"], known, hours, training)
    result = contract_handlers.record_hours(
        RecordHours(
            contract_id=contract.contract_id, month=month, hours=hours, training_hours=training
        ),
        ctx,
    )
    return _accepted(parsed, RowAction.RECORDED, result["warnings"], known, hours, training)


def _start_and_record(ctx, parsed, file, employer, lot, person_id, known) -> RowOutcome:
    values, labels = parsed.values, file.labels
    month = values["month"]
    where = (
        f"avec l'employeur {values['employer_siret']} sur le lot {lot.lot_number} du marché "
        f"{lot.market_reference}"
    )
    if values.get("contract_start") is None:
        raise RowProblem(
            "contract_start",
            f"{labels['contract_start']} : aucun contrat de cette personne {where} ne couvre "
            f"{fr_month(month)} ; indiquez la date de début du contrat pour l'enregistrer, ou "
            "corrigez le mois.",
        )
    if values.get("contract_type") is None:
        raise RowProblem(
            "contract_type",
            f"{labels['contract_type']} : la cellule est vide ; indiquez le type de contrat "
            "(CDDI, CTTI, CDI, CDD, contrat de professionnalisation, apprentissage...) pour "
            "enregistrer ce nouveau contrat.",
        )
    modality, user_siret = _modality(employer, lot)
    contract_id = _new_contract_id(file.import_id, parsed.row_number)
    hours, training = values["hours"], values.get("training_hours") or ZERO
    with ctx.tx.savepoint():
        contract_handlers.start_contract(
            StartContract(
                contract_id=contract_id,
                person_id=person_id,
                employer_siret=values["employer_siret"],
                market_id=lot.market_id,
                lot_id=lot.lot_id,
                contract_type=values["contract_type"],
                modality=modality,
                start_date=values["contract_start"],
                planned_end=values.get("contract_end"),
                user_siret=user_siret,
            ),
            ctx,
        )
        result = contract_handlers.record_hours(
            RecordHours(contract_id=contract_id, month=month, hours=hours, training_hours=training),
            ctx,
        )
    known.update(contract_id=contract_id, contract_started=True)
    return _accepted(parsed, RowAction.RECORDED, result["warnings"], known, hours, training)


def _accepted(parsed, action, warnings, known, hours, training) -> RowOutcome:
    messages = tuple(parsed.warnings) + tuple(warnings)
    return RowOutcome(
        row_number=parsed.row_number,
        status=RowStatus.ACCEPTED_WITH_WARNINGS if messages else RowStatus.ACCEPTED,
        action=action,
        month=parsed.values["month"],
        hours=hours,
        training_hours=training,
        warnings=messages,
        **known,
    )
