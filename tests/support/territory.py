"""A small test territory built through commands: buyers, companies, markets and lots,
people (validated, oriented, linked to the PLIE), contracts and their hours.

Every step goes through ``messagebus.execute`` (the handlers of every area), as the
facilitator would, at a fixed "now" (15/06/2025).

    t = Territory(store)
    buyer = t.buyer()
    company = t.company("Bâti Dijon")
    market = t.market(buyer, "2024-BTP-01")
    lot = t.lot(market, company, manual_hours=Decimal("1000"))
    person = t.person("Martin", "Léa", date(1990, 1, 1))
    t.validate(person, (Sector.BTP,), date(2024, 1, 10))
    contract = t.contract(person, company, market, lot, date(2024, 2, 1))
    t.hours(contract, date(2024, 2, 1), Decimal("120"))
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from clauses_service.commands.buyers import RegisterBuyer
from clauses_service.commands.companies import RegisterCompany
from clauses_service.commands.contracts import (
    CorrectHours,
    EndContract,
    RecordExit,
    RecordHours,
    StartContract,
    WithdrawHours,
)
from clauses_service.commands.markets import AddLot, RegisterMarket
from clauses_service.commands.people import (
    ErasePersonalData,
    MergePeople,
    OrientCandidate,
    RegisterPerson,
    StartPlieLink,
    ValidateCandidate,
)
from clauses_service.messagebus import execute
from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.contracts import (
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
)
from events.catalog.markets import CountingRules, LegalBasis
from events.catalog.people import EligibilityCriterion, PrescriberKind, Sex
from events.catalog.sectors import Sector

NOW = datetime(2025, 6, 15, 10, 0, tzinfo=UTC)
ACTOR = "facilitatrice"


def luhn_siret(seed: int) -> str:
    """A valid SIRET (Luhn key) built from ``seed``: 13 digits plus the check digit."""
    body = f"{seed:013d}"[-13:]
    for check in "0123456789":
        digits = [int(c) for c in body + check]
        total = 0
        for index, digit in enumerate(reversed(digits)):
            if index % 2:
                digit *= 2
                digit = digit - 9 if digit > 9 else digit
            total += digit
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class CompanyRef:
    company_id: uuid.UUID
    siret: str


class Territory:
    """Builds a territory on ``store``; every call returns the new thing's id."""

    def __init__(self, store, actor: str = ACTOR, now: datetime = NOW):
        self.store = store
        self.actor = actor
        self.now = now
        self._sirets = 0

    def run(self, command, **kwargs) -> dict:
        return execute(self.store, command, self.actor, now=self.now, **kwargs)

    # ---- buyers, companies, markets ---------------------------------------------------
    def buyer(self, name: str = "Dijon Métropole", kind=BuyerKind.COLLECTIVITE) -> uuid.UUID:
        buyer_id = uuid.uuid4()
        self.run(RegisterBuyer(buyer_id=buyer_id, name=name, kind=kind))
        return buyer_id

    def company(self, name: str, kind=CompanyKind.ENTREPRISE, siret: str | None = None):
        self._sirets += 1
        siret = siret or luhn_siret(7328293200000 + self._sirets * 10)
        company_id = uuid.uuid4()
        self.run(RegisterCompany(company_id=company_id, siret=siret, name=name, kind=kind))
        return CompanyRef(company_id, siret)

    def market(
        self,
        buyer_id: uuid.UUID,
        reference: str,
        kind: Sector = Sector.BTP,
        start_date: date = date(2024, 1, 1),
        end_date: date = date(2026, 12, 31),
        rules: CountingRules | None = None,
        title: str | None = None,
    ) -> uuid.UUID:
        market_id = uuid.uuid4()
        values = dict(
            market_id=market_id,
            buyer_id=buyer_id,
            reference=reference,
            title=title or f"Marché {reference}",
            kind=kind,
            legal_basis=LegalBasis.L2112_2,
            start_date=start_date,
            end_date=end_date,
        )
        self.run(RegisterMarket(**values, rules=rules))
        return market_id

    def lot(
        self,
        market_id: uuid.UUID,
        awarded: CompanyRef,
        number: str = "1",
        manual_hours: Decimal | None = None,
        amount: Decimal = Decimal("600000"),
        labour_share: Decimal = Decimal("0.5"),
        insertion_rate: Decimal = Decimal("0.05"),
        hourly_cost: Decimal = Decimal("30"),
    ) -> uuid.UUID:
        lot_id = uuid.uuid4()
        values = dict(
            market_id=market_id,
            lot_id=lot_id,
            number=number,
            title=f"Lot {number}",
            amount_excl_vat=amount,
            labour_share=labour_share,
            insertion_rate=insertion_rate,
            hourly_cost=hourly_cost,
            manual_hours=manual_hours,
        )
        self.run(AddLot(**values, awarded_siret=awarded.siret))
        return lot_id

    # ---- people -----------------------------------------------------------------------
    def person(
        self,
        last_name: str = "Martin",
        first_name: str = "Léa",
        birth_date: date = date(1990, 1, 15),
        sex: Sex = Sex.FEMME,
        **identity,
    ) -> uuid.UUID:
        person_id = uuid.uuid4()
        self.run(
            RegisterPerson(
                person_id=person_id,
                last_name=last_name,
                first_name=first_name,
                birth_date=birth_date,
                sex=sex,
                **identity,
            )
        )
        return person_id

    def validate(
        self,
        person_id: uuid.UUID,
        sectors=(Sector.BTP,),
        validated_on: date = date(2024, 1, 5),
        valid_until: date | None = None,
    ) -> uuid.UUID:
        validation_id = uuid.uuid4()
        self.run(
            ValidateCandidate(
                person_id=person_id,
                validation_id=validation_id,
                sectors=tuple(sectors),
                criteria=(EligibilityCriterion.DELD,),
                validated_on=validated_on,
                valid_until=valid_until,
            )
        )
        return validation_id

    def orient(
        self,
        person_id: uuid.UUID,
        kind: PrescriberKind = PrescriberKind.FRANCE_TRAVAIL,
        oriented_on: date = date(2024, 1, 2),
        sectors=(Sector.BTP,),
    ) -> uuid.UUID:
        orientation_id = uuid.uuid4()
        self.run(
            OrientCandidate(
                person_id=person_id,
                orientation_id=orientation_id,
                prescriber_name=kind.label,
                prescriber_kind=kind,
                oriented_on=oriented_on,
                sectors=tuple(sectors),
            )
        )
        return orientation_id

    def plie_link(self, person_id: uuid.UUID, entry_date: date, referent: str = "Réf. PLIE"):
        link_id = uuid.uuid4()
        self.run(
            StartPlieLink(
                person_id=person_id, link_id=link_id, entry_date=entry_date, referent=referent
            )
        )
        return link_id

    def merge(self, keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> None:
        self.run(MergePeople(keep_id=keep_id, duplicate_id=duplicate_id))

    def erase(self, person_id: uuid.UUID) -> None:
        self.run(ErasePersonalData(person_id=person_id))

    # ---- contracts --------------------------------------------------------------------
    def contract(
        self,
        person_id: uuid.UUID,
        employer: CompanyRef,
        market_id: uuid.UUID,
        lot_id: uuid.UUID,
        start_date: date,
        contract_type: ContractType = ContractType.CDDI,
        modality: Modality = Modality.SOUS_TRAITANCE,
        **options,
    ) -> uuid.UUID:
        contract_id = uuid.uuid4()
        self.run(
            StartContract(
                contract_id=contract_id,
                person_id=person_id,
                employer_siret=employer.siret,
                market_id=market_id,
                lot_id=lot_id,
                contract_type=contract_type,
                modality=modality,
                start_date=start_date,
                **options,
            )
        )
        return contract_id

    def hours(
        self,
        contract_id: uuid.UUID,
        month: date,
        hours: Decimal | str,
        training: Decimal | str = "0",
        **kwargs,
    ) -> dict:
        return self.run(
            RecordHours(
                contract_id=contract_id,
                month=month,
                hours=Decimal(hours),
                training_hours=Decimal(training),
            ),
            **kwargs,
        )

    def correct(self, contract_id, month: date, hours, training="0", reason="Erreur de saisie"):
        return self.run(
            CorrectHours(
                contract_id=contract_id,
                month=month,
                hours=Decimal(hours),
                training_hours=Decimal(training),
                reason=reason,
            )
        )

    def withdraw(self, contract_id, month: date, reason: str = "Déclaré par erreur") -> dict:
        return self.run(WithdrawHours(contract_id=contract_id, month=month, reason=reason))

    def end(self, contract_id, end_date: date, reason=ContractEndReason.TERME) -> dict:
        return self.run(EndContract(contract_id=contract_id, end_date=end_date, reason=reason))

    def exit(self, contract_id, stage: ExitStage, outcome: ExitOutcome, observed_on: date):
        return self.run(
            RecordExit(
                contract_id=contract_id, stage=stage, outcome=outcome, observed_on=observed_on
            )
        )
