"""The issue's yardstick for bench/site.py: a minimal Flask + SQLAlchemy + Jinja2 app that
renders the episode page, a list page and a search from the same seeded SQLite database.

It reads what those pages show (the show, the episode and its notes, credits, topics, the
previous and next episodes, four related ones; twenty episodes with their guests; ten search
hits with snippets), each with one hand-written statement, into one small template, with no
sessions, CSRF, security headers, network settings, conditional answers or trash and
withdrawal rules. bench/site.py serves it under the same gunicorn next to showapp, so the
distance between the two is measured on the same machine and data, not guessed.

    SHOWAPP_DATABASE_URL=sqlite:///... gunicorn 'bench.site_minimal:create_app()'
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, request
from jinja2 import DictLoader
from sqlalchemy import create_engine, text

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title><link rel="stylesheet" href="/static/site.css">
</head><body><header><a href="/">Network</a> <a href="/shows/">Shows</a>
<a href="/topics/">Topics</a> <a href="/guests/">Guests</a>
<form action="/search"><input name="q" aria-label="Search"></form></header>
<main>{% block main %}{% endblock %}</main><footer>Minimal app</footer></body></html>"""
EPISODE = """{% extends "page.html" %}
{% block title %}{{ episode.title }} · {{ show.title }}{% endblock %}
{% block main %}<p><a href="/{{ show.slug }}/">{{ show.title }}</a></p>
<h1>{{ episode.title }}</h1><p>{{ episode.published_at[:10] }}
{% if episode.duration_seconds %}· {{ (episode.duration_seconds // 60)|int }} min{% endif %}</p>
<audio controls preload="none" src="/media/{{ episode.audio_file }}"></audio>
<ul>{% for guest in credits %}<li><a href="/guests/{{ guest.slug }}">{{ guest.name }}</a>
{{ guest.role }}{% if guest.job_title %}, {{ guest.job_title }}{% endif %}</li>{% endfor %}</ul>
<ul>{% for topic in topics %}<li><a href="/topics/{{ topic.slug }}">{{ topic.name }}</a></li>
{% endfor %}</ul><div>{{ episode.notes_html|safe }}</div>
<nav>{% for link in around %}<a href="/{{ show.slug }}/episodes/{{ link.slug }}">
{{ link.title }}</a>{% endfor %}</nav>
<h2>Related</h2><ul>{% for item in related %}<li><a href="/{{ item.show_slug }}/episodes/
{{- item.slug }}">{{ item.title }}</a> {{ item.show_title }} {{ item.published_at[:10] }}</li>
{% endfor %}</ul>{% endblock %}"""
LIST = """{% extends "page.html" %}
{% block title %}{{ show.title }}{% endblock %}
{% block main %}<h1>{{ show.title }}</h1><p>{{ show.description }}</p><ol>
{% for item in episodes %}<li><a href="/{{ show.slug }}/episodes/{{ item.slug }}">
{{ item.title }}</a> {{ item.published_at[:10] }} <p>{{ item.summary }}</p>
{% for guest in guests[item.id] %}<a href="/guests/{{ guest.slug }}">{{ guest.name }}</a>
{% endfor %}</li>{% endfor %}</ol><a href="?page={{ page + 1 }}">Older</a>{% endblock %}"""
SEARCH = """{% extends "page.html" %}
{% block title %}Search: {{ query }}{% endblock %}
{% block main %}<h1>{{ total }} results for {{ query }}</h1><ol>{% for hit in hits %}
<li><a href="/{{ hit.show_slug }}/episodes/{{ hit.slug }}">{{ hit.title }}</a>
{{ hit.show_title }} {{ hit.published_at[:10] }}<p>{{ hit.snippet }}</p></li>
{% endfor %}</ol>{% endblock %}"""

LIVE = "e.status = 'published' AND e.published_at <= :now AND e.deleted_at IS NULL"
SHOW = text("SELECT id, slug, title, description FROM shows WHERE slug = :slug")
EPISODE_ROW = text(
    "SELECT e.id, e.slug, e.title, e.published_at, e.duration_seconds, e.audio_file, "
    f"e.notes_html FROM episodes e WHERE e.show_id = :show AND e.slug = :slug AND {LIVE}"
)
CREDITS = text(
    "SELECT g.slug, g.name, a.role, a.job_title FROM appearances a "
    "JOIN guests g ON g.id = a.guest_id WHERE a.episode_id = :id ORDER BY a.position"
)
TOPICS = text(
    "SELECT t.id, t.slug, t.name FROM episode_topics et JOIN topics t ON t.id = et.topic_id "
    "WHERE et.episode_id = :id ORDER BY t.name"
)
AROUND = text(
    f"SELECT * FROM (SELECT e.slug, e.title FROM episodes e WHERE e.show_id = :show AND {LIVE} "
    "AND e.published_at < :at ORDER BY e.published_at DESC LIMIT 1) UNION ALL "
    f"SELECT * FROM (SELECT e.slug, e.title FROM episodes e WHERE e.show_id = :show AND {LIVE} "
    "AND e.published_at > :at ORDER BY e.published_at LIMIT 1)"
)
# Related as showapp ranks them: shared topics (the 50 newest live episodes of each, from the
# listed time the tags carry) and shared guests (counted twice), 40 best candidates, then the
# live ones by score and date.
TOPIC_RECENT = text(
    "SELECT episode_id FROM episode_topics WHERE topic_id = :topic AND listed_at <= :now "
    "ORDER BY listed_at DESC, episode_id DESC LIMIT 50"
)
SAME_GUESTS = text(
    "SELECT episode_id FROM appearances WHERE guest_id IN "
    "(SELECT guest_id FROM appearances WHERE episode_id = :id)"
)
RELATED = text(
    "SELECT e.id, e.slug, e.title, e.published_at, s.slug AS show_slug, "
    "s.title AS show_title FROM episodes e JOIN shows s ON s.id = e.show_id "
    f"WHERE e.id IN (SELECT value FROM json_each(:ids)) AND {LIVE}"
)
LATEST = text(
    "SELECT e.id, e.slug, e.title, e.published_at, e.summary FROM episodes e "
    f"WHERE e.show_id = :show AND {LIVE} ORDER BY e.published_at DESC, e.id DESC "
    "LIMIT 20 OFFSET :offset"
)
GUESTS_OF = text(
    "SELECT a.episode_id, g.slug, g.name FROM appearances a JOIN guests g ON g.id = a.guest_id "
    "WHERE a.episode_id IN (SELECT value FROM json_each(:ids)) ORDER BY a.position"
)
HITS = text(
    "SELECT e.slug, e.title, e.published_at, s.slug AS show_slug, s.title AS show_title, "
    "snippet(search_fts, -1, '', '', '…', 24) AS snippet FROM search_fts "
    "JOIN episodes e ON e.id = search_fts.rowid JOIN shows s ON s.id = e.show_id "
    f"WHERE search_fts MATCH :match AND {LIVE} ORDER BY search_fts.rowid DESC LIMIT 10"
)
COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_fts JOIN episodes e ON e.id = search_fts.rowid "
    f"WHERE search_fts MATCH :match AND {LIVE} LIMIT 251)"
)


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)
    app.jinja_loader = DictLoader(
        {"page.html": PAGE, "episode.html": EPISODE, "list.html": LIST, "search.html": SEARCH}
    )
    engine = create_engine(os.environ["SHOWAPP_DATABASE_URL"])

    def now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def one(connection: Any, statement: Any, **params: Any) -> Any:
        found = connection.execute(statement, params).mappings().first()
        if found is None:
            abort(404)
        return found

    def related(connection: Any, episode_id: int, topics: list[Any]) -> list[Any]:
        shared: Counter[int] = Counter()
        for topic in topics:
            recent = {"topic": topic.id, "now": now()}
            shared.update(connection.execute(TOPIC_RECENT, recent).scalars())
        guests = list(connection.execute(SAME_GUESTS, {"id": episode_id}).scalars())
        shared.update(guests + guests)
        del shared[episode_id]
        ids = sorted(shared, key=lambda found: (shared[found], found), reverse=True)[:40]
        params = {"ids": json.dumps(ids), "now": now()}
        found = connection.execute(RELATED, params).mappings().all()
        return sorted(found, key=lambda row: (shared[row.id], row.published_at), reverse=True)[:4]

    @app.get("/")
    def up() -> str:
        return "up"

    @app.get("/<show_slug>/episodes/<episode_slug>")
    def episode(show_slug: str, episode_slug: str) -> str:
        with engine.connect() as connection:
            show = one(connection, SHOW, slug=show_slug)
            item = one(connection, EPISODE_ROW, show=show.id, slug=episode_slug, now=now())
            topics = connection.execute(TOPICS, {"id": item.id}).mappings().all()
            context = {
                "show": show,
                "episode": item,
                "credits": connection.execute(CREDITS, {"id": item.id}).mappings().all(),
                "topics": topics,
                "around": connection.execute(
                    AROUND, {"show": show.id, "now": now(), "at": item.published_at}
                )
                .mappings()
                .all(),
                "related": related(connection, item.id, topics),
            }
        return app.jinja_env.get_template("episode.html").render(context)

    @app.get("/<show_slug>/")
    def show_list(show_slug: str) -> str:
        page = request.args.get("page", 1, type=int)
        with engine.connect() as connection:
            show = one(connection, SHOW, slug=show_slug)
            episodes = (
                connection.execute(
                    LATEST, {"show": show.id, "now": now(), "offset": (page - 1) * 20}
                )
                .mappings()
                .all()
            )
            ids = "[" + ",".join(str(item.id) for item in episodes) + "]"
            guests: dict[int, list[Any]] = {item.id: [] for item in episodes}
            for row in connection.execute(GUESTS_OF, {"ids": ids}).mappings():
                guests[row.episode_id].append(row)
        context = {"show": show, "episodes": episodes, "guests": guests, "page": page}
        return app.jinja_env.get_template("list.html").render(context)

    @app.get("/search")
    def search() -> str:
        query = request.args.get("q", "")
        match = " ".join(f'"{word}"' for word in query.split()) + "*"
        with engine.connect() as connection:
            params = {"match": match, "now": now()}
            total = connection.execute(COUNT, params).scalar_one()
            hits = connection.execute(HITS, params).mappings().all()
        context = {"query": query, "total": total, "hits": hits}
        return app.jinja_env.get_template("search.html").render(context)

    return app
