"""Every API blueprint. A new surface is one module plus one line here."""

from clauses_service.api import auth_tokens, buyers, companies, contracts, hours, markets, stats
from clauses_service.api.candidates import blp as candidates_blp
from clauses_service.api.imports import blp as imports_blp
from clauses_service.api.people import blp as people_blp
from clauses_service.api.people_figures import blp as people_figures_blp
from clauses_service.api.reports_annual import blp as reports_annual_blp
from clauses_service.api.reports_issued import blp as reports_issued_blp
from clauses_service.api.reports_monthly import blp as reports_monthly_blp
from clauses_service.api.vocabularies import blp as vocabularies_blp

BLUEPRINTS = [
    auth_tokens.blp,
    buyers.blp,
    markets.blp,
    companies.blp,
    contracts.blp,
    hours.blp,
    stats.blp,
    stats.exits_blp,
    people_blp,
    candidates_blp,
    people_figures_blp,
    vocabularies_blp,
    imports_blp,
    reports_annual_blp,
    reports_monthly_blp,
    reports_issued_blp,
]
