"""Pure domain: per stream kind, a state folded from events and decisions that return new
events or raise a named ``DomainError``. No I/O here: handlers load and append."""
