"""The declarative base, shared enums and column helpers for every model module."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase

from showapp.columns import UTCDateTime

# Podcasting 2.0: podcast:guid is a UUIDv5 of the feed URL in this namespace.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class ShowType(enum.StrEnum):
    EPISODIC = "episodic"
    SERIAL = "serial"


class EpisodeStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNLISTED = "unlisted"


class EpisodeType(enum.StrEnum):
    FULL = "full"
    TRAILER = "trailer"
    BONUS = "bonus"


class UserRole(enum.StrEnum):
    ADMIN = "admin"
    HOST = "host"


def str_enum(cls: type[enum.StrEnum]) -> Any:
    # Stored as plain strings (no native ENUM), so adding a value needs no type migration.
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
