"""People who sign in to the studio, and the shows they host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showapp.columns import created_at
from showapp.models.base import Base, UserRole, str_enum

if TYPE_CHECKING:
    from showapp.models.catalog import Show

show_hosts = Table(
    "show_hosts",
    Base.metadata,
    Column("show_id", ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole), default=UserRole.HOST)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept in the signed session at sign-in; signing out, a new password or deactivation bumps
    # it, and every session signed in before then stops working (a copied cookie included).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[created_at]

    shows: Mapped[list[Show]] = relationship(
        secondary=show_hosts, back_populates="hosts", lazy="raise_on_sql"
    )

    # The interface Flask-Login expects (its UserMixin would import Flask into the models).
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)
