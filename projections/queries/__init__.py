"""The read API: small query functions over the read tables (never over the event log).

One module per area; pages, reports and the API import from here.
"""

from projections.queries.buyers import count_buyers, get_buyer, list_buyers

__all__ = ["count_buyers", "get_buyer", "list_buyers"]
