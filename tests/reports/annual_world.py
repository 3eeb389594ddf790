"""A small territory for the annual reports (PLIE bilan, national export), through commands.

Every figure the tests expect is computed by hand from this table (year 2024 unless said):

    B1 Dijon Métropole   M1 BTP       2023-01-01..2025-12-31  L1 500 000 €  (band 500 k–1 M)
                         M3 PI        2024-03-01..2025-12-31  L3 1 500 000 € (band 1–5 M)
    B2 Habitat 21        M2 SERVICES  2023-01-01..2024-12-31  L2 80 000 €   (band < 90 k)
                         M4 BTP       2022-01-01..2023-12-31  L4 200 000 €  (not running in 2024)

    P1 Martin Léa    F Grésilles PLIE from 01/06/2023    oriented PLIE 01/08/2023 (BTP),
                                                          validated BTP 01/09/2023
    P2 Durand Karim  M —         PLIE 15/06–30/09/2024   oriented France Travail 01/02/2024
                                                          (BTP+services), validated 10/02/2024
    P3 Petit Inès    F Chenôve   never PLIE              oriented Mission locale 01/03/2024
                                                          (PI), validated PI 15/03/2024
    P4 Roux Sarah    F Grésilles PLIE from 01/01/2024    oriented PLIE 01/04/2024 (PI),
                                                          validated PI 20/04/2024
    P5 Durand Karime M —         merged into P2          oriented Mission locale 05/02/2024
                                                          (BTP)
    P6 Garcia Nadia  F Talant    —                       oriented PLIE 01/03/2024 (BTP+services),
                                                          refused 20/03/2024 profil inadapté
    P7 Moreau Paul   M —         —                       oriented CCAS 01/12/2023, refused
                                                          10/01/2024 absences (services)
    P8 Lefèvre Tom   M Grésilles —                       oriented + validated BTP in 2025
    P9 Simon Luc     M —         PLIE 2023 only          (eligibility override, no validation)

    C1 P1 EI   CDDI  sous-traitance   M1  01/10/2023, ended 29/02/2024
            2023-11 100 | 2024-01 119,75 | 2024-02 80,25
            exits: at end CDD ≥ 6 months 05/03/2024, at six months CDI 01/09/2024
    C2 P2 ETTI→A CTTI mise à dispo. M1  01/03/2024, ended 31/07/2024
            03 100 | 05 110 | 06 90,10 | 07 70        exit: at end formation 02/08/2024
    C3 P2 A    CDI   embauche         M2  01/09/2024   09 151,67 | 10 151,67 withdrawn | 11 20
    C4 P3 A    CPRO  embauche         M3  01/04/2024, ended 30/06/2024
            04 60 (20 training)                        exit: at end CDI 01/07/2024 (not PLIE)
    C5 P4 A    APPRENTISSAGE embauche M3  01/05/2024   05 40,33 | 12 10,01 | 2025-01 25
    C6 P9 A    CDD   embauche         M1  01/02/2024, ended 31/03/2024   02 35
            exit: at end CDI 02/04/2024 (link ended in 2023: not PLIE)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clauses_service.commands.people import EndPlieLink, RefuseCandidate
from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, ExitOutcome, ExitStage, Modality
from events.catalog.people import PrescriberKind, RefusalReason, Sex
from events.catalog.sectors import Sector
from tests.support.territory import Territory

BTP, SRV, PI = Sector.BTP, Sector.SERVICES, Sector.PRESTATIONS_INTELLECTUELLES
D = Decimal


@dataclass
class AnnualWorld:
    t: Territory
    ids: dict


def _refuse(t: Territory, person, sectors, reason, on: date) -> None:
    t.run(
        RefuseCandidate(
            person_id=person, refusal_id=uuid.uuid4(), sectors=sectors, reason=reason, refused_on=on
        )
    )


def _people(t: Territory) -> dict:
    p = {
        "p1": t.person("Martin", "Léa", date(1990, 1, 15), Sex.FEMME, qpv="Dijon – Grésilles"),
        "p2": t.person("Durand", "Karim", date(2001, 6, 2), Sex.HOMME),
        "p3": t.person("Petit", "Inès", date(1985, 3, 3), Sex.FEMME, qpv="Chenôve – Le Mail"),
        "p4": t.person("Roux", "Sarah", date(1995, 7, 1), Sex.FEMME, qpv="Dijon – Grésilles"),
        "p5": t.person("Durand", "Karime", date(2001, 6, 2), Sex.HOMME),
        "p6": t.person("Garcia", "Nadia", date(1980, 2, 2), Sex.FEMME, qpv="Talant – Le Belvédère"),
        "p7": t.person("Moreau", "Paul", date(1975, 5, 5), Sex.HOMME),
        "p8": t.person("Lefèvre", "Tom", date(1999, 9, 9), Sex.HOMME, qpv="Dijon – Grésilles"),
        "p9": t.person("Simon", "Luc", date(1988, 8, 8), Sex.HOMME),
    }
    plie, ft, ml = (
        PrescriberKind.PLIE_REFERENT,
        PrescriberKind.FRANCE_TRAVAIL,
        PrescriberKind.MISSION_LOCALE,
    )
    t.orient(p["p1"], plie, date(2023, 8, 1), (BTP,))
    t.orient(p["p2"], ft, date(2024, 2, 1), (BTP, SRV))
    t.orient(p["p3"], ml, date(2024, 3, 1), (PI,))
    t.orient(p["p4"], plie, date(2024, 4, 1), (PI,))
    t.orient(p["p5"], ml, date(2024, 2, 5), (BTP,))
    t.orient(p["p6"], plie, date(2024, 3, 1), (BTP, SRV))
    t.orient(p["p7"], PrescriberKind.CCAS, date(2023, 12, 1), (SRV,))
    t.orient(p["p8"], ft, date(2025, 1, 10), (BTP,))
    t.validate(p["p1"], (BTP,), date(2023, 9, 1))
    t.validate(p["p2"], (BTP, SRV), date(2024, 2, 10))
    t.validate(p["p3"], (PI,), date(2024, 3, 15))
    t.validate(p["p4"], (PI,), date(2024, 4, 20))
    t.validate(p["p8"], (BTP,), date(2025, 1, 20))
    _refuse(t, p["p6"], (BTP, SRV), RefusalReason.PROFIL_INADAPTE, date(2024, 3, 20))
    _refuse(t, p["p7"], (SRV,), RefusalReason.ABSENCES_RDV, date(2024, 1, 10))
    t.plie_link(p["p1"], date(2023, 6, 1))
    link_2 = t.plie_link(p["p2"], date(2024, 6, 15))
    t.run(
        EndPlieLink(
            person_id=p["p2"], link_id=link_2, exit_date=date(2024, 9, 30), reason="Fin de parcours"
        )
    )
    t.plie_link(p["p4"], date(2024, 1, 1))
    link_9 = t.plie_link(p["p9"], date(2023, 1, 1))
    t.run(
        EndPlieLink(
            person_id=p["p9"], link_id=link_9, exit_date=date(2023, 12, 31), reason="Déménagement"
        )
    )
    return p


def _contracts(t: Territory, ids: dict) -> dict:
    p, a, etti, ei = ids, ids["a"], ids["etti"], ids["ei"]
    direct, mad, st = (
        Modality.EMBAUCHE_DIRECTE,
        Modality.MISE_A_DISPOSITION,
        Modality.SOUS_TRAITANCE,
    )
    c = {
        "c1": t.contract(
            p["p1"], ei, p["m1"], p["l1"], date(2023, 10, 1), ContractType.CDDI, st,
            planned_end=date(2024, 3, 31),
        ),
        "c2": t.contract(
            p["p2"], etti, p["m1"], p["l1"], date(2024, 3, 1), ContractType.CTTI, mad,
            planned_end=date(2024, 7, 31), user_siret=a.siret,
        ),
        "c3": t.contract(p["p2"], a, p["m2"], p["l2"], date(2024, 9, 1), ContractType.CDI, direct),
        "c4": t.contract(
            p["p3"], a, p["m3"], p["l3"], date(2024, 4, 1), ContractType.CPRO, direct,
            planned_end=date(2024, 12, 31),
        ),
        "c5": t.contract(
            p["p4"], a, p["m3"], p["l3"], date(2024, 5, 1), ContractType.APPRENTISSAGE, direct
        ),
        "c6": t.contract(
            p["p9"], a, p["m1"], p["l1"], date(2024, 2, 1), ContractType.CDD, direct,
            planned_end=date(2024, 3, 31), eligibility_override="Avis motivé du PLIE",
        ),
    }  # fmt: skip
    hours = {
        "c1": {(2023, 11): "100", (2024, 1): "119.75", (2024, 2): "80.25"},
        "c2": {(2024, 3): "100", (2024, 5): "110", (2024, 6): "90.10", (2024, 7): "70"},
        "c3": {(2024, 9): "151.67", (2024, 10): "151.67", (2024, 11): "20"},
        "c5": {(2024, 5): "40.33", (2024, 12): "10.01", (2025, 1): "25"},
        "c6": {(2024, 2): "35"},
    }
    for contract, lines in hours.items():
        for (year, month), value in lines.items():
            t.hours(c[contract], date(year, month, 1), value)
    t.hours(c["c4"], date(2024, 4, 1), "60", "20")
    t.withdraw(c["c3"], date(2024, 10, 1), "Déclaré deux fois")
    t.end(c["c1"], date(2024, 2, 29))
    t.end(c["c2"], date(2024, 7, 31))
    t.end(c["c4"], date(2024, 6, 30))
    t.end(c["c6"], date(2024, 3, 31))
    t.exit(c["c1"], ExitStage.AT_END, ExitOutcome.CDD_6_MOIS_PLUS, date(2024, 3, 5))
    t.exit(c["c1"], ExitStage.SIX_MONTHS, ExitOutcome.CDI, date(2024, 9, 1))
    t.exit(c["c2"], ExitStage.AT_END, ExitOutcome.FORMATION_QUALIFIANTE, date(2024, 8, 2))
    t.exit(c["c4"], ExitStage.AT_END, ExitOutcome.CDI, date(2024, 7, 1))
    t.exit(c["c6"], ExitStage.AT_END, ExitOutcome.CDI, date(2024, 4, 2))
    return c


def build_annual_world(store) -> AnnualWorld:
    """The territory of the module docstring on ``store`` (projections attached by the caller)."""
    t = Territory(store)
    ids: dict = {}
    ids["b1"] = t.buyer("Dijon Métropole")
    ids["b2"] = t.buyer("Habitat 21", BuyerKind.BAILLEUR_SOCIAL)
    ids["a"] = t.company("Bâti Dijon")
    ids["etti"] = t.company("ID Intérim", CompanyKind.ETTI)
    ids["ei"] = t.company("EI Réagir", CompanyKind.EI)
    ids["m1"] = t.market(ids["b1"], "2023-BTP-01", BTP, date(2023, 1, 1), date(2025, 12, 31))
    ids["m2"] = t.market(ids["b2"], "2023-SRV-02", SRV, date(2023, 1, 1), date(2024, 12, 31))
    ids["m3"] = t.market(ids["b1"], "2024-PI-03", PI, date(2024, 3, 1), date(2025, 12, 31))
    ids["m4"] = t.market(ids["b2"], "2022-BTP-04", BTP, date(2022, 1, 1), date(2023, 12, 31))
    ids["l1"] = t.lot(ids["m1"], ids["a"], manual_hours=D("1000"), amount=D("500000"))
    ids["l2"] = t.lot(ids["m2"], ids["a"], manual_hours=D("300"), amount=D("80000"))
    ids["l3"] = t.lot(ids["m3"], ids["a"], manual_hours=D("100"), amount=D("1500000"))
    ids["l4"] = t.lot(ids["m4"], ids["a"], manual_hours=D("200"), amount=D("200000"))
    ids.update(_people(t))
    ids.update(_contracts(t, ids))
    t.merge(ids["p2"], ids["p5"])
    return AnnualWorld(t, ids)
