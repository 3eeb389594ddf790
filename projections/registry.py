"""Every projection of the service. A new read model is one module plus one line here."""

from projections import buyers

PROJECTIONS = [
    buyers.PROJECTION,
]
