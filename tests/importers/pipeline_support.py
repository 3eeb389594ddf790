"""A territory matching the committed relevé fixtures, for the import pipeline tests.

Dijon Métropole
M2023-001 BTP (2023-2025)  lot 1 and lot 2, awarded to Bâtiment Dijon (73282932000074)
M2023-002 BTP (2023-2025)  one lot "1", awarded to Bâtiment Dijon
M2023-003 BTP              lot 1 awarded to Façades (another company)
People, validated BTP on 01/12/2022: Dupont Jean (15/03/1985), Martin Hélène
(16/03/1985, the fixtures' person id), Lefèvre Zoé (01/07/1990), Nguyen Van Anh
(01/02/1995), Dupont-Martin Élodie (02/02/1992). Œillet Chloé is registered, never
validated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from clauses_service.commands.people import RegisterPerson
from events.catalog.companies import CompanyKind
from events.catalog.people import Sex
from events.catalog.sectors import Sector
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.support.territory import CompanyRef, Territory

SIRET = "73282932000074"
PERSON_ID = uuid.UUID("0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10")
VALIDATED = date(2022, 12, 1)


@dataclass
class World:
    t: Territory
    runner: ProjectionRunner
    company: CompanyRef
    other: CompanyRef
    etti: CompanyRef
    m1: uuid.UUID
    m1_lot1: uuid.UUID
    m1_lot2: uuid.UUID
    m2: uuid.UUID
    m2_lot: uuid.UUID
    m3: uuid.UUID
    m3_lot: uuid.UUID
    dupont: uuid.UUID
    martin: uuid.UUID
    lefevre: uuid.UUID
    nguyen: uuid.UUID
    elodie: uuid.UUID
    oeillet: uuid.UUID


def build_world(store, attach: bool = True) -> World:
    """``attach=False`` when the store's projections are already attached (an app)."""
    runner = ProjectionRunner(store, PROJECTIONS)
    if attach:
        runner.ensure_tables()
        runner.attach()
    t = Territory(store)
    buyer = t.buyer("Dijon Métropole")
    company = t.company("Bâtiment Dijon SAS", siret=SIRET)
    other = t.company("Façades de Bourgogne")
    etti = t.company("ETTI Côte-d'Or", CompanyKind.ETTI)
    m1 = t.market(buyer, "M2023-001", Sector.BTP, date(2023, 1, 1), date(2025, 12, 31))
    m1_lot1 = t.lot(m1, company, "1")
    m1_lot2 = t.lot(m1, company, "2")
    m2 = t.market(buyer, "M2023-002", Sector.BTP, date(2023, 1, 1), date(2025, 12, 31))
    m2_lot = t.lot(m2, company, "1")
    m3 = t.market(buyer, "M2023-003", Sector.BTP, date(2023, 1, 1), date(2025, 12, 31))
    m3_lot = t.lot(m3, other, "1")
    dupont = t.person("Dupont", "Jean", date(1985, 3, 15), Sex.HOMME)
    t.run(
        RegisterPerson(
            person_id=PERSON_ID,
            last_name="Martin",
            first_name="Hélène",
            birth_date=date(1985, 3, 16),
            sex=Sex.FEMME,
        )
    )
    martin = PERSON_ID
    lefevre = t.person("Lefèvre", "Zoé", date(1990, 7, 1))
    nguyen = t.person("Nguyen", "Van Anh", date(1995, 2, 1))
    elodie = t.person("Dupont-Martin", "Élodie", date(1992, 2, 2))
    oeillet = t.person("Œillet", "Chloé", date(2001, 6, 9))
    for person in (dupont, martin, lefevre, nguyen, elodie):
        t.validate(person, (Sector.BTP,), VALIDATED)
    return World(
        t,
        runner,
        company,
        other,
        etti,
        m1,
        m1_lot1,
        m1_lot2,
        m2,
        m2_lot,
        m3,
        m3_lot,
        dupont,
        martin,
        lefevre,
        nguyen,
        elodie,
        oeillet,
    )


# ---- big files ----------------------------------------------------------------------------
def many_people(t: Territory, count: int) -> list[tuple[str, str, date]]:
    """``count`` validated people (BTP); their (last name, first name, birth date)."""
    people = []
    for index in range(count):
        identity = (f"Salarié{index:05d}", "Camille", date(1980, 1, 1 + index % 28))
        t.validate(t.person(*identity), (Sector.BTP,), VALIDATED)
        people.append(identity)
    return people


def big_relevé(people, months: int = 36, lots=("1", "2"), hours: str = "70") -> bytes:
    """A CSV relevé: each person, each lot of M2023-001, each month from 01/2023."""
    from tests.importers.builders import TEMPLATE_HEADERS, csv_bytes, good_row

    rows = [TEMPLATE_HEADERS]
    for last, first, born in people:
        for lot in lots:
            for offset in range(months):
                rows.append(
                    good_row(
                        Nom=last,
                        Prénom=first,
                        Lot=lot,
                        **{
                            "Date de naissance": f"{born:%d/%m/%Y}",
                            "Mois": f"{1 + offset % 12:02d}/{2023 + offset // 12}",
                            "Heures travaillées": hours,
                        },
                    )
                )
    return csv_bytes(rows)
