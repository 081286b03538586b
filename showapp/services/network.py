"""The network: the site's name, logo and colour. Admins set them in the studio; until they
do (or for a field left empty) the configuration's SHOWAPP_SITE_TITLE names the network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from showapp.db import prepared, rows
from showapp.errors import InvalidInput
from showapp.models import NETWORK_ID, NetworkSettings
from showapp.services.catalog.writes import hex_color
from showapp.services.per_revision import PerRevision

MAX_NAME = 255


@dataclass(frozen=True)
class Network:
    """What pages and feeds show of the network."""

    name: str
    logo: str | None = None  # stored under EPISODES_DIR
    color: str = ""  # #rrggbb, or "" for the stylesheet's own


def current(session: Session, default_name: str) -> Network:
    """The network's settings; the configured name alone when none are stored, or when the
    database fails (an error page about that failure still renders)."""
    try:
        return read(session, default_name)
    except SQLAlchemyError:
        session.rollback()
        return Network(default_name)


def kept(kept_network: PerRevision[Network], default_name: str) -> Network:
    """The network as this process keeps it (see `per_revision`); the configured name alone
    when the database fails."""
    try:
        return kept_network.get()
    except SQLAlchemyError:
        return Network(default_name)


def read(session: Session, default_name: str) -> Network:
    """The network's settings, the configured name alone when none are stored."""
    # Columns, not the entity: the ORM's load cost twice the read.
    row = rows(session, _settings(), {"id": NETWORK_ID}).first()
    if row is None:
        return Network(default_name)
    return Network(row.name or default_name, row.logo, row.color)


@prepared
def _settings() -> Select[Any]:
    columns = (NetworkSettings.name, NetworkSettings.logo, NetworkSettings.color)
    return select(*columns).where(NetworkSettings.id == bindparam("id"))


def stored(session: Session) -> NetworkSettings | None:
    return session.get(NetworkSettings, NETWORK_ID)


def settings_row(session: Session) -> NetworkSettings:
    """The one row admins edit, made on first use."""
    row = session.get(NetworkSettings, NETWORK_ID)
    if row is None:
        row = NetworkSettings(id=NETWORK_ID, name="", color="")
        session.add(row)
    return row


def update(session: Session, name: str, color: str) -> NetworkSettings:
    """Set the name and colour; an empty name goes back to the configured one."""
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The network's name is longer than {MAX_NAME} characters.")
    checked = hex_color(color, "network's colour")
    row = settings_row(session)
    row.name, row.color = name, checked
    session.flush()
    return row
