"""A string that will not show itself by accident: repr, str and f-strings print a mask."""

from __future__ import annotations


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('••••')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


def mask(value: str) -> str:
    """SPEC: `••••` plus the last 4 characters for values of 12 or more characters, else all masked."""
    if len(value) >= 12:
        return "••••" + value[-4:]
    return "••••"
