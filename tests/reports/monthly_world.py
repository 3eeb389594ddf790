"""A small territory for the monthly report tests, built through commands, with every
figure of the April 2024 report computed by hand below.

    B  Dijon Métropole (the report's buyer)        O  Ville de Talant (another buyer)
    M1 2024-BTP-01  BTP       01/01/2024 → 31/12/2025 (24 months; April: 4 elapsed)
        L1 1 000 h (manual)  awarded to A
        L2   500 h (600 000 × 0,5 × 0,05 ÷ 30)  awarded to A
    M2 2024-SRV-02  SERVICES  01/01/2024 → 31/12/2024 (12 months; training not counted)
        L3   900 h, amended on 10/05/2024 to 1 200 h (not in force in April)
    M4 2024-BTP-09  BTP       starts 01/06/2024: not in the April report
    M3 2024-SRV-77  SERVICES  of O: its hours never reach B's report

    P1 Martin Léa     F 10/05/1999 (24 at start: < 26)  QPV, RSA; PLIE from 15/04/2024
    P2 Bernard Karim  M 01/02/1970 (54: 50+)  RQTH
    P5 Bernard Karime (duplicate merged into P2), PLIE from 01/04/2024
    P3 Petit Jean     M 01/01/1980  QPV
    P4 Roux Sarah     F 01/07/1985  PLIE 01/01/2023 → 31/03/2024

    C1 P1 ETTI → A  M1/L1 CTTI  MAD        03: 100    04: 120,50   05: 140 (later)
    C2 P2 A         M1/L1 CDI   direct     03: 151,67 04: 151,67 corrected to 140,25
    C3 P3 EI        M2/L3 CDDI  sous-trait. 02: 80 (20 training) 03: 90 (10) 04: 70,33
                                                                   05: 30 (later)
    C4 P4 A         M1/L2 CPRO  direct     03: 70 (35 training, counted)  04: 35
    C5 P5 ETTI → A  M1/L2 CTTI  MAD        04: 40,25
    C6 P3 EI        M3 (other buyer) CDDI  04: 50
    C7 P4 A         M1/L2 CDD   direct     04: 12 withdrawn (never counts)

April 2024, by hand (counted hours):
    L1  cumulative 100 + 120,50 + 151,67 + 140,25 = 512,42; month 260,75; rate 51,24 %;
        remaining 487,58; expected 1 000 × 4/24 = 166,67; projected 512,42 × 24/4 = 3 074,52
    L2  cumulative 70 + 35 + 40,25 = 145,25; month 75,25; rate 29,05 %; remaining 354,75;
        expected 83,33; projected 871,50
    M1  required 1 500; cumulative 657,67; month 336,00; rate 43,84 %; remaining 842,33;
        projected 3 946,02; people 3 (P1, P2+P5, P4); contracts 4; not behind
    L3  required 900; cumulative 60 + 80 + 70,33 = 210,33; month 70,33; rate 23,37 %;
        remaining 689,67; expected 900 × 4/12 = 300,00 → behind; projected 630,99
    totals  required 2 400; cumulative 868,00; month 406,33; rate 36,17 %;
            remaining 1 532,00; projected 4 577,01; people 4; contracts 5
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clauses_service.commands.markets import AmendLot
from clauses_service.commands.people import EndPlieLink
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, Modality
from events.catalog.markets import CountingRules
from events.catalog.people import Sex
from events.catalog.sectors import Sector
from tests.support.territory import CompanyRef, Territory

D = Decimal
FEB, MARCH, APRIL, MAY = (date(2024, m, 1) for m in (2, 3, 4, 5))


@dataclass
class MonthlyWorld:
    t: Territory
    buyer: object
    other: object
    a: CompanyRef
    m1: object
    m2: object
    m3: object
    m4: object
    l1: object
    l2: object
    l3: object
    p1: object
    p2: object
    p3: object
    p4: object
    p5: object


def build_monthly_world(store, buyer=None, other=None, a_siret: str | None = None) -> MonthlyWorld:
    """The territory above on ``store`` (projections must already follow it).

    ``buyer`` / ``other``: existing buyer ids to use (else registered here);
    ``a_siret``: the SIRET of company A (the e2e company account's, for instance).
    """
    t = Territory(store)
    buyer = buyer or t.buyer("Dijon Métropole")
    other = other or t.buyer("Ville de Talant")
    a = t.company("Bâti Dijon", siret=a_siret)
    etti = t.company("ID Intérim", CompanyKind.ETTI)
    ei = t.company("EI Réagir", CompanyKind.EI)
    m1 = t.market(buyer, "2024-BTP-01", Sector.BTP, date(2024, 1, 1), date(2025, 12, 31))
    no_training = CountingRules(training_hours_count=False)
    m2 = t.market(
        buyer, "2024-SRV-02", Sector.SERVICES, date(2024, 1, 1), date(2024, 12, 31), no_training
    )
    m3 = t.market(other, "2024-SRV-77", Sector.SERVICES, date(2024, 1, 1), date(2024, 12, 31))
    m4 = t.market(buyer, "2024-BTP-09", Sector.BTP, date(2024, 6, 1), date(2025, 5, 31))
    l1 = t.lot(m1, a, "1", manual_hours=D("1000"))
    l2 = t.lot(m1, a, "2")
    l3 = t.lot(m2, ei, "1", manual_hours=D("900"))
    l4 = t.lot(m3, ei, "1", manual_hours=D("100"))
    t.lot(m4, a, "1", manual_hours=D("400"))
    t.run(
        AmendLot(
            market_id=m2,
            lot_id=l3,
            amended_on=date(2024, 5, 10),
            reason="Avenant n° 1",
            required_hours=D("1200"),
        )
    )

    p1 = t.person("Martin", "Léa", date(1999, 5, 10), Sex.FEMME, qpv="Dijon – Grésilles", rsa=True)
    p2 = t.person("Bernard", "Karim", date(1970, 2, 1), Sex.HOMME, rqth=True)
    p3 = t.person("Petit", "Jean", date(1980, 1, 1), Sex.HOMME, qpv="Chenôve – Le Mail")
    p4 = t.person("Roux", "Sarah", date(1985, 7, 1), Sex.FEMME)
    p5 = t.person("Bernard", "Karime", date(1970, 2, 1), Sex.HOMME)
    for person, sectors in ((p1, (Sector.BTP,)), (p2, (Sector.BTP,)), (p4, (Sector.BTP,))):
        t.validate(person, sectors, date(2024, 1, 5))
    t.validate(p5, (Sector.BTP,), date(2024, 1, 5))
    t.validate(p3, (Sector.SERVICES,), date(2024, 1, 5))
    t.plie_link(p1, date(2024, 4, 15))
    t.plie_link(p5, date(2024, 4, 1))
    p4_link = t.plie_link(p4, date(2023, 1, 1))
    t.run(EndPlieLink(person_id=p4, link_id=p4_link, exit_date=date(2024, 3, 31), reason="Fin"))

    mad, direct = Modality.MISE_A_DISPOSITION, Modality.EMBAUCHE_DIRECTE
    c1 = t.contract(p1, etti, m1, l1, MARCH, ContractType.CTTI, mad, user_siret=a.siret)
    c2 = t.contract(p2, a, m1, l1, MARCH, ContractType.CDI, direct)
    c3 = t.contract(p3, ei, m2, l3, FEB, ContractType.CDDI, Modality.SOUS_TRAITANCE)
    c4 = t.contract(p4, a, m1, l2, MARCH, ContractType.CPRO, direct)
    c5 = t.contract(p5, etti, m1, l2, APRIL, ContractType.CTTI, mad, user_siret=a.siret)
    c6 = t.contract(p3, ei, m3, l4, APRIL, ContractType.CDDI, Modality.SOUS_TRAITANCE)
    c7 = t.contract(p4, a, m1, l2, APRIL, ContractType.CDD, direct)
    t.hours(c1, MARCH, "100")
    t.hours(c1, APRIL, "120.50")
    t.hours(c1, MAY, "140")
    t.hours(c2, MARCH, "151.67")
    t.hours(c2, APRIL, "151.67")
    t.correct(c2, APRIL, "140.25")
    t.hours(c3, FEB, "80", "20")
    t.hours(c3, MARCH, "90", "10")
    t.hours(c3, APRIL, "70.33")
    t.hours(c3, MAY, "30")
    t.hours(c4, MARCH, "70", "35")
    t.hours(c4, APRIL, "35")
    t.hours(c5, APRIL, "40.25")
    t.hours(c6, APRIL, "50")
    t.hours(c7, APRIL, "12")
    t.withdraw(c7, APRIL)
    t.merge(p2, p5)
    return MonthlyWorld(t, buyer, other, a, m1, m2, m3, m4, l1, l2, l3, p1, p2, p3, p4, p5)
