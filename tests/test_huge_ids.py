"""An id in a URL past what an id column holds is a page that does not exist (404), not a
failed lookup (500), for visitors and for the studio alike."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import UserRole
from showapp.services.urls import MAX_ROW_ID
from tests.factories import make_show
from tests.studio_helpers import sign_in_new_user

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "url", ["/advice/{id}/tried", "/advice/{id}/reports", "/advice/{id}/tried/thanks"]
)
def test_visitors_get_404(client: FlaskClient, url: str) -> None:
    for id_ in (HUGE, str(MAX_ROW_ID + 1)):
        assert client.get(url.format(id=id_)).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/studio/users/{id}",
        "/studio/outbox/{id}",
        "/studio/import/{id}",
        "/studio/import/{id}/progress",
        "/studio/shows/leaders/episodes/{id}",
        "/studio/shows/leaders/episodes/{id}/chapters",
        "/studio/shows/leaders/episodes/{id}/review",
    ],
)
def test_the_studio_gets_404(client: FlaskClient, session: Session, url: str) -> None:
    make_show(session, slug="leaders")
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    for id_ in (HUGE, str(MAX_ROW_ID + 1), str(MAX_ROW_ID)):
        assert client.get(url.format(id=id_)).status_code == 404, (url, id_)
