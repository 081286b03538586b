"""Paging, one way for every list: which rows a page holds, and how many pages there are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


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


STUDIO_PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing(Paged, Generic[T]):
    """A page of a studio list. It iterates over its rows, so a template loops over it as over
    the full list it replaced, and adds a pager (templates/studio/_pager.html)."""

    items: Sequence[T]
    page: int
    total: int
    per_page: int = STUDIO_PAGE_SIZE

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def listing(
    session: Session, query: Select[tuple[T]], page: int | None, per_page: int
) -> Listing[T]:
    """Page `page` of `query` (ordered, with its loader options) and the count of all its rows;
    page None is every row on one page (a merge form's choice of every other guest)."""
    if page is None:
        everything = session.scalars(query).all()
        return Listing(everything, 1, len(everything), max(1, len(everything)))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset(offset(page, per_page))).all()
    return Listing(rows, page, total, per_page)
