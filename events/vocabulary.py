"""Domain lists: stable English values stored in events, French labels shown to people.

Values are never deleted, only retired (``retired`` members stay readable in old
events but are not offered in forms).
"""

from enum import StrEnum


class Choice(StrEnum):
    """A StrEnum whose members are declared as ``NAME = "VALUE", "Libellé"``."""

    def __new__(cls, value: str, label: str = "", retired: bool = False):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        member.retired = retired
        return member

    @classmethod
    def offered(cls) -> list["Choice"]:
        """Members a form may offer (not retired)."""
        return [m for m in cls if not m.retired]
