"""Paging, one way for every list: which rows a page holds, and how many pages there are."""

from __future__ import annotations


def offset(page: int, per_page: int) -> int:
    """Rows before `page` (1-based); pages below 1 count as the first."""
    return (max(page, 1) - 1) * per_page


class Paged:
    """What a paged result tells a template; subclasses have page, total and per_page."""

    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
