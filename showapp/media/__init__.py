"""Media files for podcast apps and web players: audio, artwork, transcripts and chapters.

`bp` lives here; routes live in modules beside it (delivery.py serves files, documents.py
chapters and transcripts), which register on it when imported below. The counted, proxied
path for nginx or Apache is a WSGI layer (proxied.py) that create_app installs.
"""

from __future__ import annotations

from flask import Blueprint

from showapp.services.urls import MEDIA_PREFIX

bp = Blueprint("media", __name__, url_prefix=MEDIA_PREFIX)

# Imported last: these modules register their routes on `bp` above.
from showapp.media import delivery, documents  # noqa: E402, F401
