"""The demo's people, who they are: names, birth dates (every age band), sex, commune
and QPV quarter, qualification, RSA, RQTH, the sectors they aim at and who prescribed
them. Their orientations and decisions are in ``candidates.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from clauses_service.demo import names
from clauses_service.demo.ids import demo_id
from clauses_service.demo.plan import Planner
from events.catalog.people import PrescriberKind, QualificationLevel, Sex
from events.catalog.sectors import Sector

PEOPLE = 148  # distinct people; the two duplicate records make 150
AGE_BANDS = [((18, 25), 26), ((26, 44), 42), ((45, 54), 20), ((55, 62), 12)]
QUALIFICATIONS = [
    (QualificationLevel.INFRA_3, 35),
    (QualificationLevel.NIVEAU_3, 35),
    (QualificationLevel.NIVEAU_4, 20),
    (QualificationLevel.NIVEAU_5, 7),
    (QualificationLevel.NIVEAU_6_PLUS, 3),
]


@dataclass(eq=False)
class Profile:
    person_id: UUID
    last_name: str
    first_name: str
    birth_date: date
    sex: Sex
    commune: str
    qpv: str | None
    qualification: QualificationLevel
    rsa: bool
    rqth: bool
    sectors: tuple[Sector, ...]
    prescriber: tuple[PrescriberKind, str]
    periods: list[tuple[date, date, int]] = field(default_factory=list)  # start, end, weekly

    def age_on(self, day: date) -> int:
        before = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before

    @property
    def first_start(self) -> date | None:
        return min((p[0] for p in self.periods), default=None)

    def free(self, start: date, end: date) -> bool:
        return all(end < s or start > e for s, e, _ in self.periods)


def weighted(rng, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def _sectors(rng) -> tuple[Sector, ...]:
    return weighted(
        rng,
        [
            ((Sector.BTP,), 50),
            ((Sector.SERVICES,), 36),
            ((Sector.BTP, Sector.SERVICES), 8),
            ((Sector.PRESTATIONS_INTELLECTUELLES,), 4),
            ((Sector.SERVICES, Sector.PRESTATIONS_INTELLECTUELLES), 2),
        ],
    )


def _prescriber(rng, age: int, rqth: bool) -> tuple[PrescriberKind, str]:
    if age < 26 and rng.random() < 0.5:
        kind = PrescriberKind.MISSION_LOCALE
    elif rqth and rng.random() < 0.5:
        kind = PrescriberKind.CAP_EMPLOI
    else:
        kind = weighted(rng, [(k, w) for k, _, w in names.PRESCRIBERS])
    offered = next(n for k, n, _ in names.PRESCRIBERS if k is kind)
    return kind, rng.choice(offered)


def profiles(planner: Planner) -> list[Profile]:
    """The demo's distinct people, drawn once (names unique, all age bands, both sexes)."""
    rng, first = planner.rng, planner.calendar.first
    taken: set[tuple[str, str]] = set()
    out = []
    for index in range(PEOPLE):
        sectors = _sectors(rng)
        women_share = 0.12 if sectors == (Sector.BTP,) else 0.6
        sex = Sex.FEMME if rng.random() < women_share else Sex.HOMME
        low, high = weighted(rng, AGE_BANDS)
        age = rng.randint(low, high)
        birth = date(first.year - age, 1, 1) - timedelta(days=rng.randint(0, 364))
        generation = "young" if age < 32 else "older"
        while True:
            last = rng.choice(names.LAST_NAMES)
            given = rng.choice(names.FIRST_NAMES[(sex.value, generation)])
            if (last, given) not in taken:
                taken.add((last, given))
                break
        commune = weighted(rng, names.COMMUNES)
        quarters, share = names.QPV.get(commune, ((), 0))
        qpv = rng.choice(quarters) if quarters and rng.random() < share else None
        rqth = rng.random() < 0.09
        qualification = weighted(rng, QUALIFICATIONS)
        if Sector.PRESTATIONS_INTELLECTUELLES in sectors:
            qualification = rng.choice(
                [QualificationLevel.NIVEAU_5, QualificationLevel.NIVEAU_6_PLUS]
            )
        out.append(
            Profile(
                person_id=demo_id("person", index),
                last_name=last,
                first_name=given,
                birth_date=birth,
                sex=sex,
                commune=commune,
                qpv=qpv,
                qualification=qualification,
                rsa=age >= 25 and rng.random() < 0.3,
                rqth=rqth,
                sectors=sectors,
                prescriber=_prescriber(rng, age, rqth),
            )
        )
    _every_quarter(out)
    return out


def _every_quarter(people: list[Profile]) -> None:
    """At least one person in each QPV quarter of the territory."""
    for commune, (quarters, _) in names.QPV.items():
        for quarter in quarters:
            if any(p.qpv == quarter for p in people):
                continue
            resident = next(p for p in people if p.commune == commune and p.qpv is None)
            resident.qpv = quarter
