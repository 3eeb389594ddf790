"""What a spreadsheet row names: the employer, the lot, the person, the contract.

Companies, markets and people are looked up in the read tables on the write
transaction's connection (an import never creates them, so the tables are current);
a person's contracts come from their index stream through the transaction, so a
contract started by an earlier row of the same file is found. Each lookup is
remembered for the file (``Lookups``): a relevé names the same few companies and lots
on every row.

Every miss is a ``RowProblem``: the canonical column at fault and a French message
that tells the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from clauses_service.domain import contracts as contract_domain
from clauses_service.domain.contracts import Contract, first_of_month, last_of_month
from clauses_service.handlers.base import Context, load
from projections import queries


class RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class LotRef:
    market_id: UUID
    lot_id: UUID
    market_reference: str
    lot_number: str
    awarded_company_id: UUID
    awarded_siret: str


def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


class Lookups:
    """Read-table lookups of one import, remembered by key."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conn = ctx.tx.connection
        self._companies: dict[str, dict | None] = {}
        self._lots: dict[tuple[str, str | None], LotRef | RowProblem] = {}
        self._people: dict[tuple, list[dict]] = {}
        self._identities: dict[tuple, UUID | RowProblem] = {}
        self._person_ids: dict[str, str | None] = {}
        self._company_uuids: dict[str, UUID] = {}

    # ---- companies ---------------------------------------------------------------------
    def company(self, siret: str) -> dict | None:
        if siret not in self._companies:
            self._companies[siret] = queries.company_by_siret(self.conn, siret)
        return self._companies[siret]

    def company_uuid(self, employer: dict) -> UUID:
        """The employer's id as a UUID, one object per company for the whole file (each
        row's outcome keeps it)."""
        key = str(employer["company_id"])
        found = self._company_uuids.get(key)
        if found is None:
            found = self._company_uuids[key] = UUID(key)
        return found

    # ---- lots ----------------------------------------------------------------------------
    def lot(self, reference: str, number: str | None, labels: dict[str, str]) -> LotRef:
        key = (reference, number)
        if key not in self._lots:
            try:
                self._lots[key] = self._find_lot(reference, number, labels)
            except RowProblem as problem:
                self._lots[key] = problem
        found = self._lots[key]
        if isinstance(found, RowProblem):
            raise RowProblem(found.column, found.message)  # fresh: no traceback kept
        return found

    def _find_lot(self, reference: str, number: str | None, labels: dict[str, str]) -> LotRef:
        market = queries.market_by_reference(self.conn, reference)
        if market is None:
            raise RowProblem(
                "market_reference",
                f"{labels['market_reference']} : « {reference} » ne correspond à aucun marché "
                "enregistré ; recopiez la référence du marché telle qu'elle figure sur le "
                "modèle ou sur l'acte d'engagement.",
            )
        lots = market.get("lots") or []
        numbers = ", ".join(lot["number"] for lot in lots) or "aucun"
        if number is None:
            if len(lots) != 1:
                raise RowProblem(
                    "lot",
                    f"{labels['lot']} : la cellule est vide alors que le marché "
                    f"{market['reference']} compte plusieurs lots ({numbers}) ; indiquez le "
                    "numéro du lot.",
                )
            lot = lots[0]
        else:
            lot = queries.find_lot(self.conn, reference, number)
            if lot is None:
                raise RowProblem(
                    "lot",
                    f"{labels['lot']} : le marché {market['reference']} n'a pas de lot "
                    f"« {number} » ; lots de ce marché : {numbers}.",
                )
        return LotRef(
            UUID(str(lot["market_id"])),
            UUID(str(lot["lot_id"])),
            market["reference"],
            lot["number"],
            UUID(str(lot["awarded_company_id"])),
            lot["awarded_siret"],
        )

    # ---- people --------------------------------------------------------------------------
    def person_by_id(self, person_id: str, label: str) -> UUID:
        if person_id not in self._person_ids:
            self._person_ids[person_id] = queries.survivor_of(self.conn, person_id)
        survivor = self._person_ids[person_id]
        if survivor is None:
            raise RowProblem(
                "person_id",
                f"{label} : « {person_id} » ne correspond à aucune personne enregistrée ; "
                "ne modifiez pas cette colonne du modèle pré-rempli (videz-la pour une "
                "personne ajoutée à la main : elle sera reconnue par son nom, son prénom et "
                "sa date de naissance).",
            )
        return UUID(survivor)

    def person_by_identity(self, last_name: str, first_name: str, birth_date: date) -> UUID:
        """The one person registered under this identity; remembered per raw identity, so
        a relevé naming a person on sixty rows normalises and queries once."""
        raw = (last_name, first_name, birth_date)
        found = self._identities.get(raw)
        if found is None:
            found = self._identities[raw] = self._person_by_identity(*raw)
        if isinstance(found, RowProblem):
            raise RowProblem(found.column, found.message)  # fresh: no traceback kept
        return found

    def _person_by_identity(self, last_name, first_name, birth_date) -> UUID | RowProblem:
        from clauses_service.domain.names import match_key

        key = match_key(last_name, first_name, birth_date)
        if key not in self._people:
            self._people[key] = queries.find_people(self.conn, last_name, first_name, birth_date)
        found = self._people[key]
        who = f"« {last_name} {first_name} », né(e) le {_fr(birth_date)}"
        if not found:
            return RowProblem(
                "last_name",
                f"Nom, Prénom, Date de naissance : aucune personne enregistrée sous {who} ; "
                "vérifiez l'orthographe et la date de naissance, ou demandez au "
                "facilitateur d'enregistrer et de valider cette personne.",
            )
        if len(found) > 1:
            return RowProblem(
                "last_name",
                f"Nom, Prénom, Date de naissance : {len(found)} personnes sont enregistrées "
                f"sous {who} ; le facilitateur doit rattacher cette ligne à la bonne personne.",
            )
        return UUID(str(found[0]["person_id"]))


# ---- contracts --------------------------------------------------------------------------
def contracts_of(ctx: Context, person_id: UUID) -> list[Contract]:
    """Every contract of the person's merge group, as this transaction sees it."""
    from clauses_service.handlers.contracts import _contract_ids_of, _merge_group

    group = _merge_group(ctx, person_id)
    found = []
    for member in group:
        for contract_id in _contract_ids_of(ctx, member):
            found.append(load(ctx, contract_id, contract_domain.fold))
    return found


def _covers(contract: Contract, month: date) -> bool:
    end = contract.period_end
    return contract.start_date <= last_of_month(month) and (
        end is None or end >= first_of_month(month)
    )


def running_contract(
    candidates: list[Contract],
    *,
    lot_id: UUID,
    employer_company_id: UUID,
    contract_type: str | None,
    start: date | None,
    month: date,
) -> Contract | None:
    """The contract a row reports on: same lot, employer (and type when given); the one
    that starts on the row's start date, else the one whose period covers the month."""
    same = [
        c
        for c in candidates
        if c.lot_id == lot_id
        and c.employer_company_id == employer_company_id
        and (contract_type is None or c.contract_type.value == contract_type)
    ]
    if start is not None:
        exact = [c for c in same if c.start_date == start]
        if exact:
            return max(exact, key=lambda c: c.version)
    covering = [c for c in same if _covers(c, month)]
    if covering:
        return max(covering, key=lambda c: c.start_date)
    return None
