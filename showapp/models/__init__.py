"""Typed SQLAlchemy 2.0 models, one module per area. No Flask imports here.

Import models from this package; every table module must be imported here so that
Alembic and the tests see the whole schema.
"""

from showapp.models.accounts import User, show_hosts
from showapp.models.base import (
    PODCAST_GUID_NAMESPACE,
    Base,
    EpisodeStatus,
    EpisodeType,
    ShowType,
    UserRole,
)
from showapp.models.catalog import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.models.feeds import CatalogStamp, FeedCache

__all__ = [
    "PODCAST_GUID_NAMESPACE",
    "Appearance",
    "Base",
    "CatalogStamp",
    "Episode",
    "EpisodeStatus",
    "EpisodeType",
    "FeedCache",
    "Guest",
    "Show",
    "ShowType",
    "Topic",
    "User",
    "UserRole",
    "episode_topics",
    "show_hosts",
]
