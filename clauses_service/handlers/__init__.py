"""Handlers: load streams, fold, decide (pure), append. One module per area.

``HANDLERS`` is the one dict mapping each command class to its handler; a new area
is one module plus one line below.
"""

from clauses_service.handlers import buyers, companies, contracts, imports, markets, people
from clauses_service.handlers import reports as issued_reports

HANDLERS = {
    **buyers.HANDLERS,
    **markets.HANDLERS,
    **companies.HANDLERS,
    **people.HANDLERS,
    **contracts.HANDLERS,
    **imports.HANDLERS,
    **issued_reports.HANDLERS,
}
