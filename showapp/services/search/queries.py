"""Full-text search over public episodes, behind one function on either database.

`search_documents` holds one row per episode with the text search matches (title, notes,
guest names, topics and, once transcripts exist, the transcript). SQLite answers with its
FTS5 table (kept in step by triggers the migration creates); PostgreSQL with
`to_tsvector`/`to_tsquery` over an expression GIN index. search/index.py keeps the rows in
step with what sessions commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from showapp.columns import UTCDateTime, utc_now
from showapp.db import prepared, rows
from showapp.models import (
    Appearance,
    Episode,
    Guest,
    Show,
    Topic,
)
from showapp.services.catalog.cards import EpisodeCard, cards_by_ids
from showapp.services.paging import Paged, offset

PAGE_SIZE = 10
MAX_QUERY_TERMS = 12
# Counting walks every match it counts (0.7 ms for 1,000 at 10,000 episodes, 1 ms at
# 100,000), so a search counts only as far as its pager reaches: the matches of this page and
# of the next COUNT_AHEAD pages, and one more to know there are others ("more than 50
# results"); a deeper page counts further, never past MAX_COUNTED.
COUNT_AHEAD = 4
MAX_COUNTED = 1000
# Private-use characters mark matches inside snippets; stored text can never forge them
# into HTML because the template escapes every segment.
MARK_START, MARK_END = "\ue000", "\ue001"
_DIRTY_KEY = "search_dirty_episodes"
PUBLIC_MODELS = (Show, Episode, Appearance, Guest, Topic)

# The same expression the migration indexes (0005_site.PG_DOCUMENT).
PG_DOCUMENT = (
    "setweight(to_tsvector('english', sd.title), 'A') || "
    "setweight(to_tsvector('english', sd.guests || ' ' || sd.topics), 'B') || "
    "setweight(to_tsvector('english', sd.body || ' ' || sd.transcript), 'C')"
)


@dataclass(frozen=True)
class Snippet:
    """Text around the matches, as (text, is_match) segments the template escapes."""

    segments: list[tuple[str, bool]]


@dataclass(frozen=True)
class Hit:
    episode: EpisodeCard
    snippet: Snippet


@dataclass(frozen=True)
class SearchResults(Paged):
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PAGE_SIZE
    capped: bool = False  # total is where counting stopped: there are more matches


def search_episodes(
    session: Session, query: str, *, page: int = 1, per_page: int = PAGE_SIZE
) -> SearchResults:
    """Live episodes matching every word of `query`, best first, with highlighted snippets."""
    terms = query_terms(query)
    if not terms:
        return SearchResults(query=query, page=page, per_page=per_page)
    skipped = offset(page, per_page)
    cap = min(skipped + per_page * (1 + COUNT_AHEAD) + 1, MAX_COUNTED)
    if session.get_bind().dialect.name == "postgresql":
        total, ranked = _search_postgresql(session, terms, per_page, skipped, cap)
    else:
        total, ranked = _search_sqlite(session, terms, per_page, skipped, cap)
    episodes = _load_episodes(session, [episode_id for episode_id, _ in ranked])
    hits = [
        Hit(episodes[episode_id], parse_snippet(raw))
        for episode_id, raw in ranked
        if episode_id in episodes
    ]
    return SearchResults(query, hits, total, page, per_page, capped=total >= cap)


def query_terms(query: str) -> list[str]:
    # Only words reach the full-text parsers, so no user input is ever search syntax.
    return re.findall(r"\w+", query.lower())[:MAX_QUERY_TERMS]


@prepared
def _sql(statement: str) -> Any:
    # The live filter compares with an aware datetime stored the way UTCDateTime stores it.
    return text(statement).bindparams(bindparam("now", type_=UTCDateTime()))


def _live_filter_sql() -> str:
    # catalog.is_live(): neither the episode nor its show in the trash, so counts match.
    return (
        "e.status IN ('published', 'scheduled') AND e.published_at IS NOT NULL "
        "AND e.published_at <= :now AND e.deleted_at IS NULL "
        "AND e.show_id NOT IN (SELECT id FROM shows WHERE deleted_at IS NOT NULL)"
    )


def _search_sqlite(
    session: Session, terms: list[str], limit: int, offset: int, cap: int
) -> tuple[int, list[tuple[int, str]]]:
    """Matches in the title first, then the others, newest first within each.

    bm25 was the order before, but FTS5 computes it from how many rows hold each word, which
    means reading every match: 8 ms a search at 10,000 episodes and 40 ms at 100,000 when a
    word is common. Walking the index newest first and stopping at the page reads only as
    many matches as the page shows (the live filter is in the same statement, so drafts
    cannot leave the page short), and the snippets come from that same walk."""
    match = _fts5_match(session, terms)
    now = utc_now()
    total = rows(
        session, _sql(_COUNT_LIVE_MATCHES), {"match": match, "now": now, "cap": cap}
    ).scalar_one()
    wanted = offset + limit
    in_titles = list(
        rows(session, _sql(_NEWEST_LIVE_TITLE_MATCHES), {"match": match, "now": now,
                                                           "limit": wanted})
    )  # fmt: skip
    anywhere = rows(
        session,
        _sql(_NEWEST_LIVE_MATCHES),
        {"match": match, "now": now, "limit": wanted + len(in_titles)},
    )
    snippets = {int(row[0]): str(row[1]) for row in anywhere}
    # A title match's snippet from the search over every column, which shows the notes
    # around the words, when that search reached it; else the title with the words marked.
    ranked = {int(row[0]): snippets.get(int(row[0]), str(row[1])) for row in in_titles}
    ranked |= {episode_id: snippet for episode_id, snippet in snippets.items()
               if episode_id not in ranked}  # fmt: skip
    return int(total), list(ranked.items())[offset:wanted]


def _fts5_match(session: Session, terms: list[str]) -> str:
    """Every word, the last one also as the start of a longer word, unless the index knows it
    as a word: a prefix makes FTS5 merge the lists of every word it starts, which costs as
    much as reading every match (2 ms a statement at 100,000 episodes for "mentor"*), and a
    whole word already matches its forms (mentor, mentors, mentoring: the porter stemmer)."""
    *whole, last = (f'"{term}"' for term in terms)
    known = rows(session, _KNOWN_WORD, {"word": last}).first() is not None
    return " ".join([*whole, last if known else f"{last}*"])


_KNOWN_WORD = text("SELECT 1 FROM search_fts WHERE search_fts MATCH :word LIMIT 1")


def _matching_live(index: str) -> str:
    return (
        f"FROM {index} JOIN episodes e ON e.id = {index}.rowid "
        f"WHERE {index} MATCH :match AND {_live_filter_sql()}"
    )


def _newest_live_matches(index: str) -> str:
    # FTS5 hands rows over in rowid (episode id) order, so this stops after :limit live rows.
    return (
        f"SELECT {index}.rowid, snippet({index}, -1, '{MARK_START}', '{MARK_END}', '…', 24) "
        f"{_matching_live(index)} ORDER BY {index}.rowid DESC LIMIT :limit"
    )


_COUNT_LIVE_MATCHES = f"SELECT count(*) FROM (SELECT 1 {_matching_live('search_fts')} LIMIT :cap)"
_NEWEST_LIVE_MATCHES = _newest_live_matches("search_fts")
# Title matches come from the index of titles alone (migration 0033): asked of the full index
# with a column filter, FTS5 checked every episode whose notes hold the words (0.89 ms a
# search at 100,000 episodes, against 0.31 here).
_NEWEST_LIVE_TITLE_MATCHES = _newest_live_matches("search_fts_titles")


def _search_postgresql(
    session: Session, terms: list[str], limit: int, offset: int, cap: int
) -> tuple[int, list[tuple[int, str]]]:
    tsquery = " & ".join(
        f"{term}:*" if i == len(terms) - 1 else term for i, term in enumerate(terms)
    )
    params = {"q": tsquery, "now": utc_now(), "limit": limit, "offset": offset, "cap": cap}
    base = (
        "FROM search_documents sd JOIN episodes e ON e.id = sd.episode_id, "
        "to_tsquery('english', :q) query "
        f"WHERE ({PG_DOCUMENT}) @@ query AND {_live_filter_sql()}"
    )
    total = session.execute(
        _sql(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT :cap) capped"), params
    ).scalar_one()
    headline_options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"
    found = session.execute(
        _sql(
            "SELECT ranked.episode_id, ts_headline('english', ranked.text, "
            f"to_tsquery('english', :q), '{headline_options}') FROM ("
            "SELECT sd.episode_id, e.published_at, "
            "sd.title || '. ' || sd.guests || '. ' || sd.topics || '. ' || sd.body || ' ' || "
            f"sd.transcript AS text, ts_rank({PG_DOCUMENT}, query) AS rank {base} "
            "ORDER BY rank DESC, e.published_at DESC LIMIT :limit OFFSET :offset) ranked "
            "ORDER BY ranked.rank DESC, ranked.published_at DESC"
        ),
        params,
    ).all()
    return int(total), [(int(r[0]), str(r[1])) for r in found]


def _load_episodes(session: Session, ids: Sequence[int]) -> dict[int, EpisodeCard]:
    # Live already (both searches filter), and a hit shows its episode's title, show and
    # date: no credits, no topics.
    return {card.id: card for card in cards_by_ids(session, ids, brief=True)}


def parse_snippet(raw: str) -> Snippet:
    segments: list[tuple[str, bool]] = []
    for part in re.split(f"({MARK_START}.*?{MARK_END})", raw, flags=re.DOTALL):
        if not part:
            continue
        if part.startswith(MARK_START):
            segments.append((part.strip(MARK_START + MARK_END), True))
        else:
            segments.append((part, False))
    return Snippet(segments)
