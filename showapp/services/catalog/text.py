"""Slugs and show notes: turning what hosts type into safe URLs and safe HTML."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from slugify import slugify as transliterated_slug
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from showapp.models import Episode

_markdown = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table")

# What show notes may contain once rendered: prose, lists, links, quotes, code, tables.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


# C0 control characters other than tab, line feed and carriage return: no one types them,
# and a NUL stored in a column comes out raw in pages and feeds.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def slugify(value: str, max_length: int = 80) -> str:
    """ASCII slug for URLs: 'Mentors vs. Sponsors!' -> 'mentors-vs-sponsors'.

    A name with no Latin letters or digits is transliterated ('山田太郎' -> 'shan-tian-tai-
    lang'): dropping its letters left an empty address, and every such guest or topic became
    one record. Only those names take that path, so no existing address changes. Empty when
    the value has no letters or digits at all."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")
    return slug or transliterated_slug(value, max_length=max_length)


def render_notes(markdown_source: str) -> str:
    """Render Markdown show notes to HTML that is safe to embed in pages and feeds."""
    return sanitize_html(_markdown.render(markdown_source))


def render_notes_when_written(factory: sessionmaker[Session]) -> None:
    """Render an episode's Markdown notes into notes_html whenever a session flushes them, so
    pages and feeds never run Markdown. Imported episodes carry HTML notes and no Markdown:
    those are left as they came."""
    event.listen(factory, "before_flush", _render_changed_notes)


def _render_changed_notes(session: Session, _context: Any, _objects: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Episode) and obj.notes_md:
            obj.notes_html = render_notes(obj.notes_md)
    for obj in session.dirty:
        if isinstance(obj, Episode) and inspect(obj).attrs.notes_md.history.has_changes():
            obj.notes_html = render_notes(obj.notes_md or "")


def clock(seconds: float | None, *, exact: bool = False) -> str:
    """A duration or a moment as 12:30 or 1:02:03 (the form `?t=` links accept back). `exact`
    keeps the hours and any milliseconds (0:01:05.250), as chapter and soundbite times are
    edited; the parsers read both forms."""
    if seconds is None:
        return ""
    whole = int(seconds) if exact else round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if exact:
        fraction = round(seconds - whole, 3)
        return f"{hours}:{minutes:02d}:{secs:02d}" + (f"{fraction:.3f}"[1:] if fraction else "")
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_episode_notes(episode: Episode) -> str:
    """Show notes as safe HTML. notes_html is rendered (or imported) sanitised; it is cleaned
    again here because pages must stay safe even if a row was written by other means."""
    if episode.notes_html:
        return _cleaned(episode.notes_html)
    return _rendered(episode.notes_md)


# Pages ask for the same notes again and again: cleaning them took a tenth of an episode page.
# Both are pure functions of the text, so a per-process cache can never serve stale notes.
@lru_cache(maxsize=1024)
def _cleaned(html: str) -> str:
    return sanitize_html(html)


@lru_cache(maxsize=1024)
def _rendered(markdown_source: str) -> str:
    return render_notes(markdown_source)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
