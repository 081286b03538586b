"""Words for counts in messages hosts read: "1 soundbite", "2 soundbites", never "1 soundbites"."""

from __future__ import annotations

# Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"person": "people", "entry": "entries", "copy": "copies"}


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` followed by `noun`, singular for exactly one: counted(1, "day") -> "1 day"."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or _IRREGULAR.get(noun, noun + 's')}"
