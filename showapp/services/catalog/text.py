"""Slugs and show notes: turning what hosts type into safe URLs and safe HTML."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from showapp.models import Episode

_markdown = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table")

# What show notes may contain once rendered: prose, lists, links, quotes, code, tables.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


def slugify(value: str, max_length: int = 80) -> str:
    """ASCII slug for URLs: 'Mentors vs. Sponsors!' -> 'mentors-vs-sponsors'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def render_notes(markdown_source: str) -> str:
    """Render Markdown show notes to HTML that is safe to embed in pages and feeds."""
    return sanitize_html(_markdown.render(markdown_source))


def render_episode_notes(episode: Episode) -> str:
    """Show notes as safe HTML. notes_html is rendered (or imported) sanitised; it is cleaned
    again here because pages must stay safe even if a row was written by other means."""
    if episode.notes_html:
        return sanitize_html(episode.notes_html)
    return render_notes(episode.notes_md)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
