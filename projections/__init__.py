"""Read models built from the event log, and the only read API (``queries``)."""
