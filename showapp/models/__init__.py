"""Typed SQLAlchemy 2.0 models, one module per area. No Flask imports here.

Import models from this package; every table module must be imported here so that
Alembic and the tests see the whole schema.
"""

from showapp.models.accounts import User, show_hosts
from showapp.models.advice import (
    Advice,
    AdviceReport,
    FollowUp,
    GuestLink,
    GuestLinkKind,
    MentorStory,
    Moderation,
)
from showapp.models.base import (
    PODCAST_GUID_NAMESPACE,
    Base,
    EpisodeStatus,
    EpisodeType,
    ShowType,
    UserRole,
)
from showapp.models.catalog import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.models.episode_extras import (
    Chapter,
    LinkedFile,
    SlugRedirect,
    Soundbite,
    Transcript,
)
from showapp.models.feeds import CatalogStamp, FeedCache, FeedChange
from showapp.models.importing import ImportJob, ImportState
from showapp.models.jobs import JobRun, JobState
from showapp.models.mail import MailKind, MailOptOut, MailStatus, OutboxMessage
from showapp.models.network import NETWORK_ID, NetworkSettings
from showapp.models.review import (
    CommentAnchor,
    ReviewComment,
    ReviewDecision,
    ReviewLink,
)
from showapp.models.search import SearchDocument, SiteRevision, is_fulltext_object
from showapp.models.stats import (
    DailyDownloads,
    Download,
    EpisodeAudioName,
    EpisodeDay,
    HeardEpisode,
    ListenerSalt,
    ListenerWindow,
    MediaRequest,
    ShowDay,
    StatsCursor,
)
from showapp.models.studio import FormStash, Invite

__all__ = [
    "Advice",
    "AdviceReport",
    "FollowUp",
    "GuestLink",
    "GuestLinkKind",
    "MentorStory",
    "Moderation",
    "MailKind",
    "MailOptOut",
    "MailStatus",
    "OutboxMessage",
    "PODCAST_GUID_NAMESPACE",
    "Appearance",
    "Base",
    "Chapter",
    "CommentAnchor",
    "DailyDownloads",
    "EpisodeDay",
    "HeardEpisode",
    "ShowDay",
    "Download",
    "Episode",
    "EpisodeAudioName",
    "EpisodeStatus",
    "EpisodeType",
    "FormStash",
    "CatalogStamp",
    "Episode",
    "EpisodeStatus",
    "EpisodeType",
    "FeedCache",
    "FeedChange",
    "Guest",
    "ImportJob",
    "ImportState",
    "JobRun",
    "JobState",
    "ListenerSalt",
    "NETWORK_ID",
    "NetworkSettings",
    "ListenerWindow",
    "MediaRequest",
    "ReviewComment",
    "ReviewDecision",
    "ReviewLink",
    "SearchDocument",
    "Invite",
    "Show",
    "SiteRevision",
    "ShowType",
    "SlugRedirect",
    "Soundbite",
    "LinkedFile",
    "StatsCursor",
    "Topic",
    "Transcript",
    "User",
    "UserRole",
    "episode_topics",
    "is_fulltext_object",
    "show_hosts",
]
