"""Who works on which lot: the demo's contracts, drawn lot by lot, then given to people.

Each lot gets contracts at a pace close to its required hours (some lots ahead, some
behind), of the kinds its trade and awardee usually use: staff provided by the ETTI
(CTTI), the GEIQ (CPRO) or the AI, sub-contracting to an EI or an ACI (CDDI), direct
hires (CDD, CDI, apprenticeship). Some contracts end early, some CDDI are renewed, and
some temps are hired on a CDI by the company afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from clauses_service.demo.people import Profile
from clauses_service.demo.plan import Planner
from clauses_service.demo.territory import LotPlan
from clauses_service.domain.people import add_months
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractEndReason, ContractType, Modality
from events.catalog.sectors import Sector

CT, MOD = ContractType, Modality
OPEN_END = date(9999, 12, 31)
MIN_PER_LOT, MAX_PER_LOT = 2, 6


@dataclass(frozen=True)
class Recipe:
    contract_type: ContractType
    modality: Modality
    employer: str | None  # company key; None: the lot's awardee
    months: tuple[int, int]  # duration range; (0, 0): open-ended
    weekly: tuple[int, ...]
    training: str = ""  # "cpro", "apprenti", "iae"
    young: bool = False


RECIPES = {
    "ctti": Recipe(CT.CTTI, MOD.MISE_A_DISPOSITION, "etti", (1, 4), (35,)),
    "ctti_short": Recipe(CT.CTTI, MOD.MISE_A_DISPOSITION, "etti", (1, 3), (35,)),
    "cpro": Recipe(CT.CPRO, MOD.MISE_A_DISPOSITION, "geiq", (9, 12), (35,), "cpro", True),
    "cddi_aci": Recipe(CT.CDDI, MOD.SOUS_TRAITANCE, "aci", (4, 8), (26,), "iae"),
    "cddi_regie": Recipe(CT.CDDI, MOD.SOUS_TRAITANCE, "regie", (4, 12), (26, 35), "iae"),
    "cddi_direct": Recipe(CT.CDDI, MOD.EMBAUCHE_DIRECTE, None, (6, 12), (26, 35), "iae"),
    "ai": Recipe(CT.CONTRAT_USAGE_AI, MOD.MISE_A_DISPOSITION, "ai", (1, 4), (20, 24)),
    "cdd": Recipe(CT.CDD, MOD.EMBAUCHE_DIRECTE, None, (6, 10), (35,)),
    "cdd_part": Recipe(CT.CDD, MOD.EMBAUCHE_DIRECTE, None, (6, 12), (24, 26)),
    "cdd_pi": Recipe(CT.CDD, MOD.EMBAUCHE_DIRECTE, None, (4, 8), (35,)),
    "cdi": Recipe(CT.CDI, MOD.EMBAUCHE_DIRECTE, None, (0, 0), (35,)),
    "cdi_part": Recipe(CT.CDI, MOD.EMBAUCHE_DIRECTE, None, (0, 0), (24,)),
    "apprenti": Recipe(
        CT.APPRENTISSAGE, MOD.EMBAUCHE_DIRECTE, None, (24, 24), (35,), "apprenti", True
    ),
}
SECOND_OEUVRE = {"peinture", "platrerie", "demolition", "paysage", "ite"}


@dataclass
class Need:
    """One contract to be: its lot, kind, dates; then its person."""

    key: str
    lot: LotPlan
    recipe: Recipe
    start: date
    planned_end: date | None
    weekly: int
    end: date | None = None  # when it ended, within the demo year
    end_reason: ContractEndReason | None = None
    end_text: str | None = None
    extended_to: date | None = None
    person: Profile | None = None
    follow_up: Need | None = None  # a CDI with the company afterwards
    hired_after: bool = False  # this contract ended with that CDI
    override: str | None = None

    @property
    def period_end(self) -> date | None:
        return self.end or self.extended_to or self.planned_end

    @property
    def busy_end(self) -> date:
        return self.period_end or OPEN_END

    @property
    def employer_key(self) -> str:
        return self.recipe.employer or self.lot.awardee.key


@dataclass
class Staffing:
    needs: list[Need] = field(default_factory=list)
    late_validation: UUID | None = None  # the person validated after their contract's start


def monthly_hours(weekly: int) -> Decimal:
    """35 h a week -> 151.67 h a month."""
    return (Decimal(weekly) * 52 / 12).quantize(Decimal("0.01"))


def _menu(lot: LotPlan) -> list[tuple[str, float]]:
    if lot.awardee.kind in (CompanyKind.EI, CompanyKind.ACI, CompanyKind.AI):
        return [("cddi_direct", 1)]
    if lot.sector is Sector.PRESTATIONS_INTELLECTUELLES:
        return [("cdd_pi", 3), ("apprenti", 1)]
    if lot.sector is Sector.BTP:
        menu = [("ctti", 4), ("cpro", 1.3), ("cdd", 1.2), ("cdi", 0.8), ("apprenti", 0.6)]
        if lot.trade in SECOND_OEUVRE:
            menu.append(("cddi_aci", 1.2))
        return menu
    menu = [("ai", 1.8), ("ctti_short", 0.8), ("cdd_part", 1.5), ("cdi_part", 0.8)]
    if lot.trade == "espaces_verts":
        menu.append(("cddi_aci", 2.5))
    elif lot.trade == "restauration":
        menu.append(("cdd", 1.5))
    else:
        menu.append(("cddi_regie", 2.5))
    return menu


def _choose(rng, menu):
    keys, weights = zip(*menu, strict=True)
    return rng.choices(keys, weights=weights)[0]


def _ending(planner: Planner, need: Need) -> None:
    """Early end, renewal or term of a contract, as far as the demo year goes."""
    rng, last_day = planner.rng, planner.calendar.last_day
    natural = need.planned_end or OPEN_END
    if rng.random() < 0.1:
        early = need.start + timedelta(days=rng.randint(8, 75))
        if early < natural and early <= last_day:
            need.end = early
            if (early - need.start).days <= 30:
                need.end_reason = ContractEndReason.FIN_PERIODE_ESSAI
            else:
                need.end_reason = rng.choice(
                    [ContractEndReason.DEMISSION, ContractEndReason.RUPTURE_ANTICIPEE, None]
                )
                if need.end_reason is None:
                    need.end_reason = ContractEndReason.AUTRE
                    need.end_text = "Déménagement hors de la métropole"
            return
    if need.planned_end is None or need.planned_end > last_day:
        return
    renewed = add_months(need.planned_end, 4)
    if need.recipe.contract_type is CT.CDDI and rng.random() < 0.3 and renewed <= need.lot.end:
        need.extended_to = renewed
    if need.period_end <= last_day:
        need.end, need.end_reason = need.period_end, ContractEndReason.TERME


def _lot_needs(planner: Planner, lot: LotPlan) -> list[Need]:
    rng, cal = planner.rng, planner.calendar
    start, end = max(lot.start, cal.first), min(lot.end, cal.last_day)
    if (end - start).days < 45:
        return []
    months = Decimal((end - start).days) / Decimal("30.44")
    pace = lot.required * months / lot.months * Decimal(str(round(rng.uniform(0.55, 1.3), 2)))
    least = MIN_PER_LOT if months >= 8 and lot.required >= 1500 else 1
    menu, needs, planned_hours = _menu(lot), [], Decimal(0)
    while (planned_hours < pace or len(needs) < least) and len(needs) < MAX_PER_LOT:
        recipe = RECIPES[_choose(rng, menu)]
        if needs:
            begin = planner.day_between(start, end - timedelta(days=40))
        else:
            begin = start + timedelta(days=rng.randint(0, 40))
        planned = None
        if recipe.months != (0, 0):
            length = rng.randint(*recipe.months)
            planned = min(add_months(begin, length) - timedelta(days=1), lot.end)
        weekly = rng.choice(recipe.weekly)
        need = Need(
            f"{lot.market_key}:{lot.number}:{len(needs)}", lot, recipe, begin, planned, weekly
        )
        _ending(planner, need)
        until = min(need.busy_end, end)
        planned_hours += monthly_hours(weekly) * Decimal((until - begin).days) / Decimal("30.44")
        needs.append(need)
        _maybe_hired(planner, need)
    return needs


def _maybe_hired(planner: Planner, need: Need) -> None:
    """A temp or a CPRO hired on a CDI by the company at the end (same lot, same person)."""
    cal, lot = planner.calendar, need.lot
    if (
        need.recipe.contract_type not in (CT.CTTI, CT.CPRO)
        or need.end_reason is not ContractEndReason.TERME
    ):
        return
    begin = need.end + timedelta(days=1)
    if begin > cal.last_day - timedelta(days=60) or begin > lot.end - timedelta(days=60):
        return
    if planner.rng.random() < 0.35:
        need.hired_after = True
        need.follow_up = Need(f"{need.key}:cdi", lot, RECIPES["cdi"], begin, None, 35)


def _assign(planner: Planner, needs: list[Need], people: list[Profile]) -> None:
    rng, moonlighting_done = planner.rng, False
    for need in needs:
        sector, start, busy_end = need.lot.sector, need.start, need.busy_end
        if need.follow_up is not None:
            busy_end = OPEN_END if need.follow_up.period_end is None else need.follow_up.busy_end
        fits = [p for p in people if sector in p.sectors and p.free(start, busy_end)]
        reuse = [p for p in fits if p.periods and len(p.periods) < 3]
        fresh = [p for p in fits if not p.periods]
        if need.recipe.young:
            fresh = [p for p in fresh if p.age_on(start) < 30] or fresh
        if not moonlighting_done and need.recipe.contract_type is CT.CONTRAT_USAGE_AI:
            # Two part-time jobs at once: a month above full time (a warning, not a refusal).
            side = [p for p in people if sector in p.sectors and _one_part_time(p, start, busy_end)]
            if side:
                need.weekly, moonlighting_done = 20, True
                _give(need, rng.choice(side))
                continue
        pool = reuse if reuse and (rng.random() < 0.2 or not fresh) else fresh
        if pool:
            _give(need, rng.choice(pool))


def _one_part_time(person: Profile, start: date, end: date) -> bool:
    overlapping = [w for s, e, w in person.periods if not (end < s or start > e)]
    return len(overlapping) == 1 and overlapping[0] <= 24


def _give(need: Need, person: Profile) -> None:
    need.person = person
    person.periods.append((need.start, need.busy_end, need.weekly))
    if need.follow_up is not None:
        need.follow_up.person = person
        person.periods.append((need.follow_up.start, need.follow_up.busy_end, 35))


def staff(planner: Planner, lots: list[LotPlan], people: list[Profile]) -> Staffing:
    """The demo's contracts, each with its person (needs nobody fits are dropped)."""
    needs = [need for lot in lots for need in _lot_needs(planner, lot)]
    needs.sort(key=lambda n: (n.start, n.key))
    _assign(planner, needs, people)
    staffed = []
    for need in needs:
        if need.person is None:
            continue
        staffed.append(need)
        if need.follow_up is not None:
            staffed.append(need.follow_up)
    staffing = Staffing(sorted(staffed, key=lambda n: (n.start, n.key)))
    late = next(
        (
            n
            for n in staffing.needs
            if n.recipe.contract_type is CT.CTTI
            and n.start >= planner.calendar.month(5)
            and n.person.first_start == n.start
        ),
        None,
    )
    if late is not None:
        late.override = (
            "Démarrage urgent du chantier : validation d'éligibilité en cours, "
            "dérogation accordée par la facilitatrice"
        )
        staffing.late_validation = late.person.person_id
    return staffing
