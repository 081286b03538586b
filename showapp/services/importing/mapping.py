"""Turn what a feed says into what showapp stores: dates, durations, flags, URLs, notes.

Every function takes raw feed text and returns a clean value, or None with nothing stored
when the text cannot be understood; the importer turns None into a reported problem.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from posixpath import splitext
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from showapp.models import EpisodeType, ShowType
from showapp.services import urls
from showapp.services.catalog.text import sanitize_html
from showapp.services.importing.parse import FeedItem

# Registered types for what podcast hosts label loosely; Apple decides by the extension.
MIME_ALIASES = {"audio/mp3": "audio/mpeg", "audio/mpeg3": "audio/mpeg", "audio/x-mp3": "audio/mpeg",
                "audio/m4a": "audio/x-m4a", "audio/mp4a-latm": "audio/x-m4a"}  # fmt: skip
MIME_BY_EXTENSION = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a", ".mp4": "video/mp4",
                     ".ogg": "audio/ogg", ".opus": "audio/opus", ".aac": "audio/aac",
                     ".wav": "audio/wav", ".m4v": "video/x-m4v"}  # fmt: skip
_DATE_FORMATS = (
    "%a, %d %b %Y %H:%M:%S", "%a, %d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d", "%a, %d %B %Y %H:%M:%S", "%A, %d %B %Y %H:%M:%S", "%B %d, %Y", "%d %B %Y",
)  # fmt: skip
# Longer than any episode: a feed's "1e9" is a typo (31 years), not a duration.
MAX_DURATION = 7 * 24 * 3600
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_ESCAPED_TAG = re.compile(r"&lt;/?(p|a|br|b|i|em|strong|ul|ol|li|div|span|h[1-6])\b", re.I)


def parse_date(value: str) -> tuple[datetime | None, bool]:
    """(aware datetime, had a zone). RFC 822 first, then ISO 8601, then common loose forms.

    A date without a zone is read as UTC, as podcast apps do; the caller reports it.
    """
    value = " ".join(value.split())
    if not value:
        return None, False
    parsed = _rfc822(value) or _iso(value) or _loose(value)
    if parsed is None:
        return None, False
    if parsed.tzinfo is None:
        # RFC 2822's "-0000" means UTC with the zone unknown at the source: not a defect.
        return parsed.replace(tzinfo=UTC), value.endswith("-0000")
    return parsed.astimezone(UTC), True


def _rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # email.utils marks "-0000" (no zone known) as naive; that is UTC for a feed.
    return parsed


def _iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _loose(value: str) -> datetime | None:
    cleaned = re.sub(r"\s+(GMT|UTC|UT|Z)$", "", value)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return None


def parse_duration(value: str) -> float | None:
    """itunes:duration: seconds ("3600", "3600.5") or clock form ("1:00:00", "59:59"); None for
    anything else, such as "1:75", "1:-30", "nan" or a duration past MAX_DURATION."""
    parts = value.strip().split(":")
    if not parts[0] or len(parts) > 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    seconds = 0.0
    for position, number in enumerate(numbers):
        if not math.isfinite(number) or number < 0 or (position > 0 and number >= 60):
            return None
        if position < len(numbers) - 1 and not number.is_integer():
            return None  # "1.5:30" is not a clock
        seconds = seconds * 60 + number
    return seconds if seconds <= MAX_DURATION else None


def parse_explicit(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in {"yes", "true", "explicit"}:
        return True
    if lowered in {"no", "false", "clean"}:
        return False
    return None


def parse_block(value: str) -> bool:
    """itunes:block: Apple hides the show or episode for "Yes" (in any case) and ignores every
    other value, "no" and "true" included."""
    return value.strip().lower() == "yes"


# Integer columns hold 32 bits on PostgreSQL; a larger count in a feed is a typo, not a fact.
MAX_INT = 2**31 - 1


def parse_positive_int(value: str) -> int | None:
    """A positive whole number that fits our columns; None for anything else (2^63 included)."""
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_INT else None


# podcast:episode is "a decimal number" (12.5): digits with an optional fraction, no sign or
# exponent, and short enough for the column once leading and trailing zeros are gone.
_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


def parse_decimal(value: str) -> str | None:
    """A positive decimal number as its shortest text ("012.50" is "12.5", "7.0" is "7");
    None for anything else."""
    value = value.strip()
    if not _DECIMAL.fullmatch(value):
        return None
    whole, _, fraction = value.partition(".")
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    text = f"{whole}.{fraction}" if fraction else whole
    return None if text == "0" else text


def shorten(text: str, length: int) -> str:
    """`text` in at most `length` characters: cut at a word where one ends past half of
    them, an ellipsis marking the cut."""
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def episode_type(value: str) -> EpisodeType:
    try:
        return EpisodeType(value.strip().lower())
    except ValueError:
        return EpisodeType.FULL


def show_type(value: str) -> ShowType:
    return ShowType.SERIAL if value.strip().lower() == "serial" else ShowType.EPISODIC


def absolute_url(value: str, base: str | None) -> str | None:
    """An http(s) URL, resolving relative ones against the feed's address (and xml:base);
    spaces and non-ASCII characters percent-encoded; None otherwise."""
    value = value.strip()
    if not value:
        return None
    try:
        resolved = encode_url(urljoin(base, value) if base else value)
    except ValueError:  # a malformed [IPv6] host
        return None
    return resolved if urls.is_public_url(resolved) else None


# What a URL may hold as it is: reserved characters and '%' of existing escapes.
_URL_SAFE = "/:@!$&'()*+,;=-._~%"


def encode_url(url: str) -> str:
    """Spaces and non-ASCII characters percent-encoded (UTF-8), the rest left as written;
    an international host name goes to its IDNA form."""
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url)
    host = parts.netloc
    if not host.isascii():
        userinfo, _, hostport = host.rpartition("@")
        name, colon, port = hostport.partition(":")
        host = (f"{userinfo}@" if userinfo else "") + name.encode("idna").decode() + colon + port
    return urlunsplit(
        (parts.scheme, host, quote(parts.path, safe=_URL_SAFE),
         quote(parts.query, safe=_URL_SAFE + "?"), quote(parts.fragment, safe=_URL_SAFE + "?"))
    )  # fmt: skip


def checked_url(value: str, base: str | None, label: str, problems: list[str]) -> str | None:
    """absolute_url, and a line in `problems` when the feed gave a URL that cannot be kept:
    a javascript: or data: link would run script on our pages, so it is never stored."""
    found = absolute_url(value, base)
    if found is None and value.strip():
        problems.append(f"{label} {value.strip()[:80]!r} is not an http(s) URL; not stored")
    return found


def audio_mime(declared: str, url: str) -> str:
    """The enclosure's type: the extension's when the URL has a media extension (Apple goes by
    it, so an .m4a typed audio/mpeg plays wrong), else the declared one, else MP3."""
    extension = splitext(urlsplit(url).path)[1].lower()
    if extension in MIME_BY_EXTENSION:
        return MIME_BY_EXTENSION[extension]
    declared = declared.strip().lower()
    if declared:
        return MIME_ALIASES.get(declared, declared)
    return "audio/mpeg"


def is_media_type(mime: str) -> bool:
    return mime.startswith(("audio/", "video/"))


def notes_html(item: FeedItem) -> str:
    """The fullest show notes the item has, as sanitised HTML (plain text becomes paragraphs)."""
    source = item.content_encoded or item.description or item.summary
    if not _TAG.search(source) and _ESCAPED_TAG.search(source):
        # HTML escaped twice (once as text, then again or inside CDATA): unescape it once.
        source = html.unescape(source)
    if not _TAG.search(source):
        # Plain text, where named entities such as &eacute; inside CDATA mean the character.
        text = html.unescape(source)
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        escaped = [html.escape(p, quote=False).replace("\n", "<br>") for p in paragraphs]
        # One paragraph stays bare: wrapping it would only add seven bytes to every description.
        source = escaped[0] if len(escaped) == 1 else "".join(f"<p>{p}</p>" for p in escaped)
    return sanitize_html(source).strip()


# What only HTML has: an end tag, a <br>, or a link or image with its address. A title that
# names <template> or vector<int> has none of them.
_HTML_MARK = re.compile(r"</[a-z][a-z0-9]*\s*>|<br\s*/?>|<(?:a|img)\s[^>]*\b(?:href|src)\s*=", re.I)
# Tags that end a line or a paragraph; every other tag is inline and goes without a trace.
_BLOCK_TAG = re.compile(
    r"<(br|/?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|hr|table|tr|td|th|section))\b[^>]*>",
    re.I,
)
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def plain_text(value: str, *, paragraphs: bool = False) -> str:
    """Text for a plain field (a title, itunes:summary, the show's description) from what the
    feed gave, XML already decoded.

    HTML (see _HTML_MARK; also HTML escaped twice) loses its tags and its entities are decoded
    once, as a browser shows it. Anything else is text already: '<template>' or 'vector<int>'
    in a title stays as written, and only whole references are decoded (a title's `&amp;amp;`
    escaped twice, `&eacute;` inside CDATA). Whitespace runs become one space; with
    `paragraphs`, paragraphs stay apart by a blank line and line breaks stay newlines.
    """
    markup = bool(_HTML_MARK.search(value))
    if not markup and _ESCAPED_TAG.search(value):
        value, markup = html.unescape(value), True  # HTML escaped twice: &lt;p&gt; in CDATA
    if markup:
        # Breaks first (the sanitiser keeps text), then script and style go with their content.
        marked = sanitize_html(_BLOCK_TAG.sub(_break, " ".join(value.split())))
        text = html.unescape(_TAG.sub("", marked))
    else:
        text = _REFERENCE.sub(lambda found: html.unescape(found.group()), value)
    if not paragraphs:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _break(tag: re.Match[str]) -> str:
    name = tag.group(1).lower()
    if name in ("br", "li", "dt", "dd", "tr"):
        return "\n"
    return " " if name in ("/li", "/dt", "/dd", "/tr", "td", "/td", "th", "/th") else "\n\n"


def fallback_guid(item: FeedItem, enclosure_url: str | None) -> str:
    """Podcast apps identify an item without a guid by its enclosure URL; so do we."""
    if enclosure_url:
        return enclosure_url
    if item.link:
        return item.link
    digest = hashlib.sha256(f"{item.title}\n{item.pub_date}".encode()).hexdigest()
    return f"showapp-import:{digest[:32]}"
