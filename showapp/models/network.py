"""The network: the name, logo and colour of the whole site, one row edited in the studio."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import updated_at
from showapp.models.base import Base

NETWORK_ID = 1


class NetworkSettings(Base):
    """The single row (id 1) holding what admins set; an empty field falls back to the
    configuration (SHOWAPP_SITE_TITLE), so an install without the row looks as before."""

    __tablename__ = "network_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Stored under EPISODES_DIR like artwork: the logo as uploaded, plus its -300.png copy.
    logo: Mapped[str | None] = mapped_column(String(255))
    color: Mapped[str] = mapped_column(String(7), default="", server_default="")
    updated_at: Mapped[updated_at]
