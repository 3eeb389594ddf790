"""Server-rendered SVG charts (no JavaScript, no CDN): a market's progress.

``progress_svg`` draws the cumulative counted hours month by month against the
required hours (a horizontal line) and the even pace from the start to the end date
(a dotted line). Every text is escaped; the picture has a title and a description.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from clauses_service.web.formatting import hours_fr, month_fr, number_fr

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 20, 50
ACHIEVED, REQUIRED, PACE, TODAY = "#000091", "#c9191e", "#666666", "#b34000"


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from ``start`` to ``end`` (both included)."""
    current, out = start.replace(day=1), []
    last = end.replace(day=1)
    while current <= last and len(out) < 600:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


def _nice_step(top: float) -> float:
    raw = top / 5 or 1
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def progress_svg(
    months: list[dict],
    required: Decimal,
    start: date,
    end: date,
    today: date,
    title: str = "Heures réalisées cumulées et heures prévues",
) -> Markup:
    """``months``: [{"month": date, "cumulative_hours": Decimal}, ...] in order."""
    last_data = months[-1]["month"] if months else start
    axis = months_between(start, max(end, last_data))
    if not axis:
        axis = [start.replace(day=1)]
    cumulative = {m["month"]: float(m["cumulative_hours"]) for m in months}
    top = max([float(required), *cumulative.values(), 1.0]) * 1.1
    step = _nice_step(top)
    top = step * (int(top / step) + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(axis) - 1, 1)

    def x(index: float) -> float:
        return LEFT + plot_w * index / count

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'class="chart" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(_description(months, required))}</desc>',
    ]
    value = 0.0
    while value <= top + 1e-9:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#dddddd"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(number_fr(value, 0))}</text>"
        )
        value += step
    every = max(1, len(axis) // 12)
    for index, month in enumerate(axis):
        if index % every == 0:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="11">{escape(month_fr(month, short=True))}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#333"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#333"/>'
    )
    end_index = axis.index(end.replace(day=1)) if end.replace(day=1) in axis else count
    parts.append(
        f'<line class="pace" x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(end_index):.1f}" '
        f'y2="{y(float(required)):.1f}" stroke="{PACE}" stroke-dasharray="2 4"/>'
        f'<line class="required" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(float(required)):.1f}" '
        f'y2="{y(float(required)):.1f}" stroke="{REQUIRED}" stroke-width="2" '
        'stroke-dasharray="8 4"/>'
    )
    first_today = today.replace(day=1)
    if first_today in axis:
        tx = x(axis.index(first_today))
        parts.append(
            f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{TODAY}" stroke-dasharray="4 3"/>'
            f'<text x="{tx + 3:.1f}" y="{TOP + 12}" font-size="11" fill="{TODAY}">'
            "aujourd'hui</text>"
        )
    points, running = [], 0.0
    for index, month in enumerate(axis):
        if month > max(last_data, start.replace(day=1)):
            break
        running = cumulative.get(month, running)
        points.append((x(index), y(running), month, running))
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(
            f'<polyline class="achieved" points="{path}" fill="none" stroke="{ACHIEVED}" '
            'stroke-width="2.5"/>'
        )
        for px, py, month, amount in points:
            if month in cumulative:
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{ACHIEVED}">'
                    f"<title>{escape(month_fr(month))} : {escape(hours_fr(amount))}</title>"
                    "</circle>"
                )
    parts.append(_legend())
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend() -> str:
    y0 = HEIGHT - 14
    items = [
        (ACHIEVED, "", "Réalisé (cumul)"),
        (REQUIRED, ' stroke-dasharray="8 4"', "Heures prévues"),
        (PACE, ' stroke-dasharray="2 4"', "Rythme attendu"),
    ]
    out, x0 = [], LEFT
    for color, dash, label in items:
        out.append(
            f'<line x1="{x0}" x2="{x0 + 24}" y1="{y0}" y2="{y0}" stroke="{color}" '
            f'stroke-width="2"{dash}/>'
            f'<text x="{x0 + 30}" y="{y0 + 4}" font-size="12">{escape(label)}</text>'
        )
        x0 += 170
    return "".join(out)


def _description(months: list[dict], required: Decimal) -> str:
    done = months[-1]["cumulative_hours"] if months else Decimal(0)
    return (
        f"Heures prévues : {hours_fr(required)}. Réalisé à ce jour : {hours_fr(done)}, "
        f"sur {len(months)} mois déclaré(s)."
    )
