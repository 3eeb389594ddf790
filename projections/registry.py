"""Every projection of the service. A new read model is one module plus one line here."""

from projections import buyers, companies, contracts, imports, markets, people

PROJECTIONS = [
    buyers.PROJECTION,
    *markets.PROJECTIONS,
    *companies.PROJECTIONS,
    *people.PROJECTIONS,
    *contracts.PROJECTIONS,
    *imports.PROJECTIONS,
]
