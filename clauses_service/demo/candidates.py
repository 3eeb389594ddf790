"""Orientations, eligibility decisions and PLIE links of the demo's people, as commands.

Contract holders are validated a few weeks before their first contract; the others are
validated without a contract yet, refused with a reason, or still waiting for a
decision. About a third are followed by the PLIE. Two people are registered a second
time under a slightly different spelling (possible duplicates, left for the facilitator
to merge).
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from clauses_service.commands.people import (
    EndPlieLink,
    OrientCandidate,
    RefuseCandidate,
    RegisterPerson,
    StartPlieLink,
    ValidateCandidate,
)
from clauses_service.demo import names
from clauses_service.demo.ids import demo_id
from clauses_service.demo.people import Profile, weighted
from clauses_service.demo.plan import Planner
from events.catalog.people import EligibilityCriterion as C
from events.catalog.people import Evidence, PrescriberKind, RefusalReason
from events.catalog.sectors import Sector

FRANCE_TRAVAIL_DRAPEAU = (PrescriberKind.FRANCE_TRAVAIL, "France Travail – agence Dijon Drapeau")
REFUSED, WAITING = 18, 6
PLIE_SHARE = 0.2  # besides those a PLIE referent oriented: about a third in all
REFUSAL_REASONS = [
    (RefusalReason.CANDIDATURE_ANNULEE, 3),
    (RefusalReason.PROFIL_INADAPTE, 3),
    (RefusalReason.AUTRE_PROJET, 3),
    (RefusalReason.FREINS_EMPLOI, 3),
    (RefusalReason.ABSENCES_RDV, 4),
    (RefusalReason.AUTRE, 2),
]


def _register(planner: Planner, key: str, p: Profile, last_name=None, first_name=None) -> None:
    planner.add(
        f"{key}:register",
        RegisterPerson(
            person_id=p.person_id,
            last_name=last_name or p.last_name,
            first_name=first_name or p.first_name,
            birth_date=p.birth_date,
            sex=p.sex,
            commune=p.commune,
            qpv=p.qpv,
            qualification=p.qualification,
            rsa=p.rsa,
            rqth=p.rqth,
        ),
    )


def _orient(planner, key, p: Profile, on: date, sectors=None, prescriber=None) -> UUID:
    kind, name = prescriber or p.prescriber
    orientation_id = demo_id(key, "orientation", on)
    planner.add(
        f"{key}:orient:{on}",
        OrientCandidate(
            person_id=p.person_id,
            orientation_id=orientation_id,
            prescriber_name=name,
            prescriber_kind=kind,
            oriented_on=on,
            sectors=sectors or p.sectors,
        ),
    )
    return orientation_id


def _criteria(p: Profile, on: date) -> tuple[C, ...]:
    age = p.age_on(on)
    found = []
    if p.rsa:
        found.append(C.BRSA)
    if p.rqth:
        found.append(C.RQTH)
    if p.qpv:
        found.append(C.QPV)
    if age < 26:
        found.append(C.JEUNE)
    elif age >= 50:
        found.append(C.SENIOR)
    kind = p.prescriber[0]
    if kind is PrescriberKind.ETTI:
        found.append(C.IAE)
    elif kind is PrescriberKind.GEIQ:
        found.append(C.GEIQ)
    if len(found) < 2 and age >= 26:
        found.append(C.DETLD if p.birth_date.day % 3 == 0 else C.DELD)
    return tuple(found[:3]) or (C.AVIS_MOTIVE,)


def _evidence(planner, criteria, on: date) -> tuple[Evidence, ...]:
    items = []
    for criterion in criteria:
        document, max_days = names.EVIDENCE[criterion]
        dated = on - timedelta(days=planner.rng.randint(1, max_days))
        items.append(Evidence(criterion, document, dated))
    return tuple(items)


def _validate(planner, key, p: Profile, orientation_id, on: date, sectors=None) -> None:
    criteria = _criteria(p, on)
    planner.add(
        f"{key}:validate:{on}",
        ValidateCandidate(
            person_id=p.person_id,
            validation_id=demo_id(key, "validation", on),
            orientation_id=orientation_id,
            sectors=sectors or p.sectors,
            criteria=criteria,
            evidence=_evidence(planner, criteria, on),
            validated_on=on,
        ),
    )


def _refuse(planner, key, p: Profile, orientation_id, on: date, reason=None, sectors=None):
    rng = planner.rng
    reason = reason or weighted(rng, REFUSAL_REASONS)
    text = rng.choice(names.REFUSAL_TEXTS["AUTRE"]) if reason is RefusalReason.AUTRE else None
    planner.add(
        f"{key}:refuse:{on}",
        RefuseCandidate(
            person_id=p.person_id,
            refusal_id=demo_id(key, "refusal", on),
            orientation_id=orientation_id,
            sectors=sectors or p.sectors,
            reason=reason,
            reason_text=text,
            refused_on=on,
        ),
    )


def _plie(planner, key, p: Profile, oriented_on: date) -> None:
    rng, cal = planner.rng, planner.calendar
    if p.prescriber[0] is PrescriberKind.PLIE_REFERENT:
        referent = p.prescriber[1].split(" – ")[-1]
        entry = oriented_on - timedelta(days=rng.randint(20, 240))
    else:
        referent = rng.choice(names.PLIE_REFERENTS)
        entry = min(oriented_on + timedelta(days=rng.randint(10, 120)), cal.last_day)
    link_id = demo_id(key, "plie", entry)
    planner.add(
        f"{key}:plie:{entry}",
        StartPlieLink(person_id=p.person_id, link_id=link_id, entry_date=entry, referent=referent),
    )
    exit_day = entry + timedelta(days=rng.randint(200, 500))
    if rng.random() < 0.2 and exit_day <= cal.last_day:
        planner.add(
            f"{key}:plie-exit:{exit_day}",
            EndPlieLink(
                person_id=p.person_id,
                link_id=link_id,
                exit_date=exit_day,
                reason=rng.choice(names.PLIE_EXIT_REASONS),
            ),
        )


def plan_people(planner: Planner, people: list[Profile], late_validation: UUID | None) -> None:
    """Register everyone, orient, decide, link to the PLIE (about a third of them).

    ``late_validation``: the person whose validation comes after their contract's start
    (the contract is recorded with an eligibility override).
    """
    rng, cal = planner.rng, planner.calendar
    holders = [p for p in people if p.periods]
    others = [p for p in people if not p.periods]
    refused = set(id(p) for p in others[:REFUSED])
    waiting = set(id(p) for p in others[REFUSED : REFUSED + WAITING])
    reoriented = others[REFUSED + WAITING] if len(others) > REFUSED + WAITING else None
    for index, p in enumerate(people):
        key = f"person:{index}"
        _register(planner, key, p)
        if p.periods:
            first_start = p.first_start
            if p.person_id == late_validation:
                validated = first_start + timedelta(days=6)
            else:
                validated = first_start - timedelta(days=rng.randint(7, 60))
            oriented = validated - timedelta(days=rng.randint(5, 35))
        elif id(p) in waiting:
            oriented = cal.last_day - timedelta(days=rng.randint(3, 40))
        else:
            oriented = planner.day_between(
                cal.first - timedelta(days=90), cal.last - timedelta(days=20)
            )
            validated = min(oriented + timedelta(days=rng.randint(7, 35)), cal.last_day)
        orientation = _orient(planner, key, p, oriented)
        if p is reoriented:
            # Refused for the building trades, then oriented to services and validated.
            _refuse(
                planner,
                key,
                p,
                orientation,
                validated,
                RefusalReason.PROFIL_INADAPTE,
                (Sector.BTP,),
            )
            again = min(validated + timedelta(days=rng.randint(10, 30)), cal.last_day)
            second = _orient(planner, key, p, again, (Sector.SERVICES,), FRANCE_TRAVAIL_DRAPEAU)
            _validate(
                planner,
                key,
                p,
                second,
                min(again + timedelta(days=8), cal.last_day),
                (Sector.SERVICES,),
            )
        elif id(p) in refused:
            _refuse(planner, key, p, orientation, validated)
        elif id(p) not in waiting:
            _validate(planner, key, p, orientation, validated)
        linked = p.prescriber[0] is PrescriberKind.PLIE_REFERENT or (
            id(p) not in waiting and rng.random() < PLIE_SHARE
        )
        if linked:
            _plie(planner, key, p, oriented)
    _duplicates(planner, holders, others)


def _duplicates(planner, holders, others) -> None:
    """Two people registered again by another prescriber, spelled differently."""
    cal = planner.calendar
    for number, original in enumerate((holders[3], others[-1])):
        twin = Profile(**{**original.__dict__, "person_id": demo_id("person", "duplicate", number)})
        twin.periods = []
        key = f"person:duplicate:{number}"
        _register(
            planner, key, twin, original.last_name.upper(), _strip_accents(original.first_name)
        )
        oriented = cal.last_day - timedelta(days=10 + number * 7)
        _orient(planner, key, twin, oriented, prescriber=(PrescriberKind.CCAS, "CCAS de Dijon"))


def _strip_accents(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
