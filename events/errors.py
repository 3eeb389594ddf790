"""Named errors of the event store.

Each carries a French message meant for the person who caused it (an operator
on the CLI, a facilitator through the API); callers translate them, never
print a traceback.
"""


class EventStoreError(Exception):
    """Base of every error raised by the event store."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConcurrencyError(EventStoreError):
    """The stream moved since it was read: the expected version is stale."""

    def __init__(self, stream_id: str, expected: int | None, actual: int):
        super().__init__(
            f"Le flux {stream_id} a été modifié entre-temps : version attendue {expected}, "
            f"version actuelle {actual}. Rechargez puis recommencez."
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(EventStoreError):
    """The idempotency key was already used with another body."""

    def __init__(self, key: str):
        super().__init__(
            f"La clé d'idempotence « {key} » a déjà servi pour une autre demande ; "
            "utilisez une nouvelle clé."
        )
        self.key = key


class UnknownEventType(EventStoreError):
    """An event type name (or class) that the registry does not know."""

    def __init__(self, name: str):
        super().__init__(f"Type d'événement inconnu : « {name} ».")
        self.name = name


class InvalidPayload(EventStoreError):
    """A payload that does not match the schema of its event type."""

    def __init__(self, event_type: str, problems: dict[str, str]):
        detail = " ; ".join(f"{field} : {problem}" for field, problem in sorted(problems.items()))
        super().__init__(f"Contenu invalide pour l'événement {event_type} — {detail}.")
        self.event_type = event_type
        self.problems = problems


class AppendTimeout(EventStoreError):
    """The store could not take the append lock in time (another long write)."""

    def __init__(self):
        super().__init__(
            "Le journal est occupé par une autre écriture longue ; réessayez dans un instant."
        )


class ConfigurationError(EventStoreError):
    """A setting (database URL...) that cannot be used."""
