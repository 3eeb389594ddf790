"""Every projection of the service. A new read model is one module plus one line here."""

from projections import buyers, companies, contracts, imports, markets, people
from projections import reports as issued_reports

PROJECTIONS = [
    buyers.PROJECTION,
    *markets.PROJECTIONS,
    *companies.PROJECTIONS,
    *people.PROJECTIONS,
    *contracts.PROJECTIONS,
    *imports.PROJECTIONS,
    issued_reports.PROJECTION,
]
