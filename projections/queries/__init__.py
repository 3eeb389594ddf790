"""The read API: small query functions over the read tables (never over the event log).

One module per area; pages, reports and the API import from here.
"""

from projections.queries.buyers import count_buyers, get_buyer, list_buyers
from projections.queries.companies import company_by_siret, get_company, list_companies
from projections.queries.contracts import (
    contracts_of_person,
    count_contracts,
    exits_in,
    get_contract,
    hours_breakdown,
    hours_history_of,
    hours_of_contract,
    list_contracts,
    lot_progress,
    market_progress,
    people_breakdown,
)
from projections.queries.markets import (
    find_lot,
    get_market,
    list_markets,
    lots_of_company,
    market_by_reference,
)
from projections.queries.people import (
    absorbed_by,
    find_people,
    get_person,
    orientations_in,
    pending_candidates,
    plie_links_of,
    possible_duplicates,
    search_people,
    survivor_of,
    validation_outcomes_in,
)

__all__ = [
    "absorbed_by",
    "company_by_siret",
    "contracts_of_person",
    "count_buyers",
    "count_contracts",
    "exits_in",
    "find_lot",
    "find_people",
    "get_buyer",
    "get_company",
    "get_contract",
    "get_market",
    "get_person",
    "hours_breakdown",
    "hours_history_of",
    "hours_of_contract",
    "list_buyers",
    "list_companies",
    "list_contracts",
    "list_markets",
    "lot_progress",
    "lots_of_company",
    "market_by_reference",
    "market_progress",
    "orientations_in",
    "pending_candidates",
    "people_breakdown",
    "plie_links_of",
    "possible_duplicates",
    "search_people",
    "survivor_of",
    "validation_outcomes_in",
]
