"""WTForms forms for the studio. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from showapp.errors import InvalidInput
from showapp.models import EpisodeStatus, EpisodeType, ShowType
from showapp.services.accounts import MIN_PASSWORD_LENGTH
from showapp.services.catalog.apple_categories import (
    CATEGORY_CHOICES,
    LANGUAGE_CHOICES,
    SUBCATEGORY_CHOICES,
)
from showapp.services.catalog.editing import MAX_EPISODE_NUMBER, checked_podcast_episode
from showapp.services.catalog.text import CONTROL_CHARACTER
from showapp.services.mail.guests import clean_address

# The columns' sizes (models/catalog.py): episodes.title, episodes.episode_display, topics.name.
MAX_EPISODE_TITLE = 255
MAX_EPISODE_DISPLAY = 32
MAX_TOPIC_NAME = 128
MAX_SEASON = MAX_EPISODE_NUMBER  # far beyond any real show, far inside the INTEGER column


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def enum_options(kind: type[StrEnum]) -> list[SelectChoice]:
    return options((member.value, member.value.title()) for member in kind)


def refuse_control_characters(form: Any, field: Any) -> None:
    found = CONTROL_CHARACTER.search(field.data) if isinstance(field.data, str) else None
    if found:
        raise ValidationError(
            f"Remove the control character (U+{ord(found.group()):04X}) from this field: "
            "only text, tabs and line breaks are allowed."
        )


class _TextChecks(DefaultMeta):
    """Every text field of a studio form refuses control characters, declared or not.

    Passwords are left alone (one set before this check must still sign in), and so are
    hidden fields, which carry ids and addresses the views check themselves."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        kind = unbound_field.field_class
        if issubclass(kind, StringField) and not issubclass(kind, PasswordField | HiddenField):
            declared = unbound_field.kwargs.get("validators") or ()
            options = {**options, "validators": [*declared, refuse_control_characters]}
        return super().bind_field(form, unbound_field, options)


class StudioForm(FlaskForm):
    Meta = _TextChecks


class StudioRowForm(Form):
    """A row of a FieldList (no CSRF token of its own), with the studio forms' checks."""

    Meta = _TextChecks


GUEST_ROLES = [
    ("guest", "Guest"),
    ("host", "Host"),
    ("co-host", "Co-host"),
    ("producer", "Producer"),
]


class LoginForm(StudioForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class SetPasswordForm(StudioForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)]
    )


class InviteForm(StudioForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=255)])
    name = StringField("Name", validators=[Optional(), Length(max=255)])
    shows = SelectMultipleField("Shows", coerce=int)


class HostShowsForm(StudioForm):
    shows = SelectMultipleField("Shows", coerce=int)


class ActionForm(StudioForm):
    """A button that changes something: only the CSRF token travels."""


class ShowForm(StudioForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=255)])
    slug = StringField("Address (slug)", validators=[Optional(), Length(max=80)])
    subtitle = StringField("Subtitle", validators=[Optional(), Length(max=255)])
    description = TextAreaField("Description")
    author = StringField("Author", validators=[Optional(), Length(max=255)])
    owner_name = StringField("Owner name", validators=[Optional(), Length(max=255)])
    owner_email = EmailField("Owner e-mail", validators=[Optional(), Length(max=255)])
    language = SelectField("Language", choices=options(LANGUAGE_CHOICES), default="en")
    category = SelectField("Apple category", choices=options(CATEGORY_CHOICES))
    subcategory = SelectField("Apple subcategory", choices=options(SUBCATEGORY_CHOICES), default="")
    explicit = BooleanField("Explicit content")
    show_type = SelectField("Type", choices=enum_options(ShowType))
    website = URLField("Website", validators=[Optional(), Length(max=255)])
    copyright = StringField("Copyright", validators=[Optional(), Length(max=255)])
    funding_url = URLField("Funding link", validators=[Optional(), Length(max=255)])
    funding_text = StringField("Funding link text", validators=[Optional(), Length(max=128)])
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired()])
    require_guest_approval = BooleanField(
        "Require every invited guest's approval before scheduling or publishing"
    )
    accent_color = StringField("Accent colour (#rrggbb)", validators=[Optional(), Length(max=7)])
    # The "Did you have a great mentor?" call (services/listeners/stories.py)
    mentor_call_open = BooleanField("Take listeners' stories of their mentors")
    mentor_call_prompt = TextAreaField(
        "What the call asks", validators=[Optional(), Length(max=1000)]
    )
    # Feed settings (services/feeds/settings.py)
    new_feed_url = URLField("New feed address", validators=[Optional(), Length(max=255)])
    locked = BooleanField("Lock the feed against moves by another host (podcast:locked)")
    itunes_block = BooleanField("Hide the show from Apple Podcasts (itunes:block)")
    itunes_title = StringField(
        "Apple title (optional: the show's name on Apple Podcasts, if not the title)",
        validators=[Optional(), Length(max=255)],
    )
    complete = BooleanField("The show is complete: no more episodes (itunes:complete)")
    # Subscribe buttons on the show page
    apple_podcasts_url = URLField("Apple Podcasts", validators=[Optional(), Length(max=255)])
    spotify_url = URLField("Spotify", validators=[Optional(), Length(max=255)])
    youtube_music_url = URLField("YouTube Music", validators=[Optional(), Length(max=255)])
    amazon_music_url = URLField("Amazon Music", validators=[Optional(), Length(max=255)])
    overcast_url = URLField("Overcast", validators=[Optional(), Length(max=255)])
    pocket_casts_url = URLField("Pocket Casts", validators=[Optional(), Length(max=255)])
    antennapod_url = URLField("AntennaPod", validators=[Optional(), Length(max=255)])
    castbox_url = URLField("Castbox", validators=[Optional(), Length(max=255)])
    podcast_addict_url = URLField("Podcast Addict", validators=[Optional(), Length(max=255)])
    fountain_url = URLField("Fountain", validators=[Optional(), Length(max=255)])
    podcast_index_url = URLField("Podcast Index", validators=[Optional(), Length(max=255)])

    def validate_owner_email(self, field: Any) -> None:
        # Empty stays allowed (the feed health page asks for it); anything else goes into
        # itunes:owner, where Apple and Spotify send their checks.
        try:
            clean_address(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error)) from None


class NetworkForm(StudioForm):
    name = StringField("Network name", validators=[Optional(), Length(max=255)])
    color = StringField("Colour (#rrggbb)", validators=[Optional(), Length(max=7)])
    logo = FileField("Logo (JPEG, PNG or WebP)")
    remove_logo = BooleanField("Remove the logo")


class GuestPhotoForm(StudioForm):
    photo = FileField("Photo (JPEG, PNG or WebP; cropped to a square)")


class ArtworkForm(StudioForm):
    artwork = FileField("Artwork (JPEG or PNG, square, 1400–3000 px)")


class UploadForm(StudioForm):
    audio = FileField("Audio (MP3 or M4A)")


class GuestRow(StudioRowForm):
    name = StringField("Guest", validators=[Optional(), Length(max=128)])
    role = SelectField("Role", choices=options(GUEST_ROLES), default="guest")
    organisation = StringField("Organisation then", validators=[Optional(), Length(max=255)])
    job_title = StringField("Title then", validators=[Optional(), Length(max=255)])


class EpisodeForm(StudioForm):
    version = HiddenField()
    title = StringField(
        "Title",
        validators=[
            DataRequired(message="The title is required."),
            Length(
                max=MAX_EPISODE_TITLE,
                message=f"The title is longer than {MAX_EPISODE_TITLE} characters.",
            ),
        ],
    )
    slug = StringField("Address (slug)", validators=[Optional(), Length(max=120)])
    summary = TextAreaField("Summary")
    notes_md = TextAreaField("Show notes (Markdown)")
    season = IntegerField(
        "Season",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_SEASON,
                message=f"The season is a whole number from 1 to {MAX_SEASON:,}.",
            ),
        ],
    )
    season_name = StringField(
        "Season name (optional)",
        validators=[
            Optional(),
            Length(max=128, message="The season name is longer than 128 characters."),
        ],
    )
    number = IntegerField(
        "Number",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_EPISODE_NUMBER,
                message=f"The episode number is a whole number from 1 to {MAX_EPISODE_NUMBER:,}.",
            ),
        ],
    )
    podcast_episode = StringField(
        "Decimal episode number (Podcasting 2.0, optional)",
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    episode_display = StringField(
        "Episode display name (optional)",
        validators=[
            Optional(),
            Length(
                max=MAX_EPISODE_DISPLAY,
                message=f"The episode display name is longer than {MAX_EPISODE_DISPLAY} "
                "characters.",
            ),
        ],
    )
    episode_type = SelectField("Type", choices=enum_options(EpisodeType))
    explicit = BooleanField("Explicit")
    itunes_title = StringField(
        "Apple title (optional: the title without episode numbers)",
        validators=[
            Optional(),
            Length(
                max=MAX_EPISODE_TITLE,
                message=f"The Apple title is longer than {MAX_EPISODE_TITLE} characters.",
            ),
        ],
    )
    itunes_block = BooleanField("Hide this episode from Apple Podcasts (itunes:block)")
    guests = FieldList(FormField(GuestRow), min_entries=1)
    topics = StringField("Topics (comma-separated)")
    status = SelectField("Status", choices=enum_options(EpisodeStatus))
    publish_at = DateTimeLocalField(
        "Publish at (show's time zone)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    artwork = FileField("Episode artwork (optional)")

    def validate_podcast_episode(self, field: Any) -> None:
        try:
            checked_podcast_episode(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error)) from None

    def validate_topics(self, field: Any) -> None:
        # Named as the editor reads the field: comma-separated, each name stripped.
        for name in (part.strip() for part in (field.data or "").split(",")):
            if len(name) > MAX_TOPIC_NAME:
                raise ValidationError(
                    f"The topic '{name[:40]}…' is longer than {MAX_TOPIC_NAME} characters."
                )


class ReviewLinkForm(StudioForm):
    guest_id = HiddenField()
    days = IntegerField(
        "Valid for (days)", default=14, validators=[DataRequired(), NumberRange(min=1, max=90)]
    )
    message = TextAreaField("Message to the guest", validators=[Optional(), Length(max=2000)])


class ReplyForm(StudioForm):
    comment_id = HiddenField()
    body = TextAreaField("Reply", validators=[Optional(), Length(max=2000)])


class ImportForm(StudioForm):
    url = StringField("Feed URL", validators=[Optional(), Length(max=2048)])
    source_file = FileField("…or upload a feed file (.xml) or an export archive (.zip)")
    show = SelectField("Into show", coerce=str, validate_choice=True)
    download_media = BooleanField("Download the audio files (otherwise they stay linked)")
