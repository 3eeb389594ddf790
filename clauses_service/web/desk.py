"""The facilitator's dashboard: hours of the month and of the year, markets behind
schedule, candidates waiting for a decision."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template

from clauses_service.auth.roles import Role
from clauses_service.extensions import services
from clauses_service.web.access import page_roles
from clauses_service.web.schedule import EVER, ZERO, standing, today
from projections import queries

bp = Blueprint("web_desk", __name__)
SHOWN = 20


def _totals(conn, start, end) -> dict:
    rows = queries.hours_breakdown(conn, [], start, end)
    if not rows:
        return {"hours": ZERO, "counted_hours": ZERO, "training_hours": ZERO, "contracts": 0}
    return rows[0]


def behind_schedule(conn, on) -> list[dict]:
    """Markets whose counted hours are below the even pace from start to end date."""
    markets, _ = queries.list_markets(conn, limit=100_000)
    counted = {
        row["market"]: row["counted_hours"]
        for row in queries.hours_breakdown(conn, ["market"], EVER, on)
    }
    late = []
    for market in markets:
        if market["start_date"] > on or not market["required_hours"]:
            continue
        done = counted.get(market["market_id"], Decimal("0.00"))
        state = standing(
            market["required_hours"], done, market["start_date"], market["end_date"], on
        )
        if state["behind"]:
            late.append({**market, **state, "counted_hours": done})
    return sorted(late, key=lambda m: (-m["gap_hours"], m["reference"]))


@bp.get("/tableau-de-bord")
@page_roles(Role.FACILITATOR)
def dashboard():
    on = today()
    with services().store.reading() as conn:
        month = _totals(conn, on.replace(day=1), on)
        year = _totals(conn, on.replace(month=1, day=1), on)
        late = behind_schedule(conn, on)
        pending = queries.pending_candidates(conn)
        waiting, waiting_total = queries.list_imports(conn, status="needs_fixes", limit=SHOWN)
        companies = {c["company_id"]: c["name"] for c in _companies(conn, waiting)}
    return render_template(
        "desk/dashboard.html",
        today=on,
        month=month,
        year=year,
        late=late[:SHOWN],
        late_total=len(late),
        pending=pending[:SHOWN],
        pending_total=len(pending),
        waiting=[{**i, "company_name": companies.get(i["company_id"])} for i in waiting],
        waiting_total=waiting_total,
    )


def _companies(conn, imports: list[dict]) -> list[dict]:
    ids = sorted({i["company_id"] for i in imports if i["company_id"]})
    return [c for c in (queries.get_company(conn, cid) for cid in ids) if c is not None]
