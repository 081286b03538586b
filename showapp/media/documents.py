"""Episode documents for players and apps: the JSON chapters file and the transcripts.

Browser players fetch these from other origins, so every answer carries CORS headers; drafts
and scheduled episodes are 404, exactly like their pages.
"""

from __future__ import annotations

import json

from flask import Response, abort, request

from showapp.db import get_session
from showapp.media import bp
from showapp.models import Episode, Show
from showapp.services import urls
from showapp.services.catalog import chapters, episode_documents, transcripts
from showapp.services.urls import MEDIA_PREFIX

CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}
CHAPTERS_MIME = "application/json+chapters"
TEXT_MIMES = {**transcripts.FORMATS, "txt": "text/plain"}


@bp.get(urls.blueprint_rule("chapters", MEDIA_PREFIX))
def chapters_document(show_slug: str, episode_slug: str) -> Response:
    show, episode = _public_episode(show_slug, episode_slug)
    items = chapters.list_chapters(get_session(), episode)
    if not items:
        abort(404, "This episode has no chapters.")
    document = chapters.chapters_document(items, title=episode.title, podcast_name=show.title)
    return _document(json.dumps(document, ensure_ascii=False), CHAPTERS_MIME)


@bp.get(urls.blueprint_rule("transcript", MEDIA_PREFIX))
def transcript_document(show_slug: str, episode_slug: str, extension: str) -> Response:
    if extension not in TEXT_MIMES:
        abort(404)
    _show, episode = _public_episode(show_slug, episode_slug)
    transcript = transcripts.get_transcript(get_session(), episode, request.args.get("lang"))
    if transcript is None:
        abort(404, "This episode has no transcript in that language.")
    if extension == "txt":
        return _document(transcript.plain_text, TEXT_MIMES["txt"])
    # Served only in the format it was written in: a converted copy could lose cue settings.
    if extension != transcript.format:
        abort(404, f"This transcript is available as .{transcript.format} and .txt.")
    return _document(transcript.body, TEXT_MIMES[extension])


def _public_episode(show_slug: str, episode_slug: str) -> tuple[Show, Episode]:
    found = episode_documents.get_public_episode(get_session(), show_slug, episode_slug)
    if found is None:
        abort(404, "No published episode has this address.")
    return found


def _document(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.update(CORS_HEADERS)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.add_etag()
    response.make_conditional(request)
    return response
