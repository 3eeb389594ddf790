"""The catalogue of event types: importing this package registers them all.

A new event module is one file here plus one line below.
"""

from events.catalog import (  # noqa: F401
    buyers,
    claims,
    companies,
    contracts,
    imports,
    markets,
    people,
    reports,
)
