"""Rectificatif: what changed in a monthly report between its issue and now, line by line.

Both reports are compared on their JSON-ready form (``to_jsonable``): markets and lots
are matched by id, split and public groups by key, months by month, so a changed figure
is one line naming where it is (market, lot, group) and which indicator changed, with
the value issued and the value now. Descriptive fields (ids, labels) are not compared;
a market or lot that appeared or disappeared shows its figures against "—".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from clauses_service.reports.jsonable import to_jsonable

INDICATORS = {
    "required_hours": "Heures requises",
    "month_hours": "Heures du mois",
    "cumulative_hours": "Heures cumulées",
    "hours": "Heures",
    "rate": "Taux de réalisation (%)",
    "remaining_hours": "Heures restantes",
    "expected_hours": "Heures attendues à ce jour",
    "projected_hours": "Projection à l'échéance",
    "behind_schedule": "En retard",
    "people": "Personnes",
    "month_people": "Personnes du mois",
    "contracts": "Contrats",
    "markets": "Marchés",
    "elapsed_months": "Mois écoulés",
    "total_months": "Durée (mois)",
    "running": "En cours",
    "title": "Intitulé",
    "reference": "Référence",
    "kind": "Secteur",
    "start_date": "Date de début",
    "end_date": "Date de fin",
}
SPLIT_TITLES = {
    "contract_type": "Répartition par type de contrat",
    "modality": "Répartition par modalité",
    "employer_kind": "Répartition par nature d'employeur",
    "sector": "Répartition par secteur",
}
# Identify or describe a line; never reported as a change of their own.
DESCRIPTIVE = {"id", "key", "label", "number", "kind_label", "kind"}
TOP_LEVEL_SKIPPED = {"kind", "buyer", "month", "month_end"}
ALL_MARKETS = "Ensemble des marchés"


@dataclass(frozen=True)
class Change:
    """One changed figure: where (market, lot or group), which indicator, issued, now."""

    scope: str
    indicator: str
    issued: Any
    current: Any

    def to_json(self) -> dict:
        return {
            "scope": self.scope,
            "indicator": self.indicator,
            "issued": self.issued,
            "current": self.current,
        }


def diff_reports(issued: dict, current: dict) -> list[Change]:
    """The changes from the ``issued`` monthly report to the ``current`` one, in order."""
    old, new = to_jsonable(issued), to_jsonable(current)
    changes: list[Change] = []
    _markets(old.get("markets", []), new.get("markets", []), changes)
    _fields(ALL_MARKETS, old.get("totals", {}), new.get("totals", {}), changes)
    for key, title in SPLIT_TITLES.items():
        groups_old = _by(old.get("splits", {}).get(key, []), "key")
        groups_new = _by(new.get("splits", {}).get(key, []), "key")
        for group, a, b in _pairs(groups_old, groups_new):
            _fields(f"{title} — {_pick(a, b, 'label') or group}", a, b, changes)
    public_old, public_new = old.get("public", {}), new.get("public", {})
    for name in _ordered(public_old, public_new):
        a, b = public_old.get(name) or {}, public_new.get(name) or {}
        _fields(f"Publics — {_pick(a, b, 'label') or name}", a, b, changes)
    known = TOP_LEVEL_SKIPPED | {"markets", "totals", "splits", "public"}
    for key in _ordered(old, new):
        if key not in known and old.get(key) != new.get(key):
            changes.append(Change("Rapport", _indicator(key), old.get(key), new.get(key)))
    return changes


def _markets(old: list, new: list, changes: list[Change]) -> None:
    for _, a, b in _pairs(_by(old, "id"), _by(new, "id")):
        scope = f"Marché {_pick(a, b, 'reference')}"
        _fields(scope, a, b, changes, skip={"lots", "months"})
        months = _by(a.get("months", []), "month"), _by(b.get("months", []), "month")
        for month, x, y in _pairs(*months):
            _fields(f"{scope} — mois {_month_fr(month)}", x, y, changes, skip={"month"})
        for _, x, y in _pairs(_by(a.get("lots", []), "id"), _by(b.get("lots", []), "id")):
            lot = f"{scope} — lot {_pick(x, y, 'number')} ({_pick(x, y, 'title')})"
            _fields(lot, x, y, changes, skip={"title"})


def _fields(scope: str, old: dict, new: dict, changes: list[Change], skip=frozenset()) -> None:
    for key in _ordered(old, new):
        if key in DESCRIPTIVE or key in skip:
            continue
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict | list) or isinstance(b, dict | list):
            continue  # nested structures are walked by the caller
        if not _same(a, b):
            changes.append(Change(scope, _indicator(key), a, b))


def _same(a, b) -> bool:
    if a == b:
        return True
    try:  # "120.00" and "120.0" are the same figure
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return False


def _by(items: list, key: str) -> dict:
    return {str(item.get(key)): item for item in items if isinstance(item, dict)}


def _pairs(old: dict, new: dict):
    """(key, old item or {}, new item or {}) in the order of old, then the new ones."""
    for key in _ordered(old, new):
        yield key, old.get(key) or {}, new.get(key) or {}


def _ordered(old: dict, new: dict) -> list:
    return list(old) + [key for key in new if key not in old]


def _pick(a: dict, b: dict, key: str):
    return b.get(key) if b.get(key) not in (None, "") else a.get(key)


def _indicator(key: str) -> str:
    return INDICATORS.get(key, key.replace("_", " "))


def _month_fr(iso: str) -> str:
    return f"{iso[5:7]}/{iso[:4]}" if len(iso) >= 7 else iso


def display(value) -> str:
    """A value of a change in French: "1 234,56", "oui"/"non", "15/03/2024", "—"."""
    from clauses_service.web.formatting import date_fr, number_fr

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return number_fr(value, 0)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date_fr(value)
    try:
        Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return number_fr(value)
