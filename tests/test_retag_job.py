"""Retagging a public episode's audio runs on the job queue: the save returns at once, the old
file serves until the job swaps the tagged copy in, and the host's open editor stays valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from mutagen.id3 import ID3
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import db
from showapp.jobs import get_jobs
from showapp.models import Episode, EpisodeAudioName, JobRun, JobState, UserRole
from showapp.services.audio import retagging
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show
from tests.jobs_helpers import queued_app
from tests.studio_helpers import csrf_token, sign_in_new_user


def _episode(app: Flask, episode_id: int) -> Episode:
    with db.new_session(app) as session:
        found = session.get(Episode, episode_id)
        assert found is not None
        session.expunge(found)
        return found


def _edit_form(client: Any, url: str, version: int, title: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(client, url), "version": str(version), "title": title,
            "summary": "", "status": "published", "episode_type": "full"}  # fmt: skip


def test_a_save_queues_the_retag_and_the_old_file_serves_until_it_runs(
    app: Flask, app_config: dict[str, Any]
) -> None:
    with queued_app(app_config, consumer=False) as queued:
        episodes_dir = Path(queued.config["EPISODES_DIR"])
        with db.new_session(queued) as setup:
            show = make_show(setup, slug="leaders", title="Leaders", author="Ada Host")
            episode = make_episode(setup, show, episodes_dir, seconds=4.0, title="Before")
            setup.commit()
            episode_id, old_name, version = episode.id, str(episode.audio_file), episode.version
        client = queued.test_client()
        with db.new_session(queued) as users:
            sign_in_new_user(client, users, "admin@example.com", role=UserRole.ADMIN)
        url = f"/studio/shows/leaders/episodes/{episode_id}"
        response = client.post(url, data=_edit_form(client, url, version, "After"))
        assert response.status_code == 303
        page = client.get(response.location).get_data(as_text=True)
        assert "The audio file is being tagged with the new details (Jobs)." in page

        # Saved, not yet tagged: the old file is still the episode's, and still served.
        queued_episode = _episode(queued, episode_id)
        assert queued_episode.title == "After" and queued_episode.audio_file == old_name
        assert client.get(f"/media/{old_name}").status_code == 200
        with db.new_session(queued) as check:
            [run] = check.scalars(select(JobRun).where(JobRun.task == "media.retag")).all()
            assert run.state == JobState.QUEUED and run.arguments == {"episode_id": episode_id}
        jobs_page = client.get("/studio/jobs").get_data(as_text=True)
        assert "Tag the audio of &#39;After&#39;" in jobs_page

        get_jobs(queued).start_consumer(workers=1, periodic=False)
        assert get_jobs(queued).wait_idle(timeout=30)

        tagged = _episode(queued, episode_id)
        assert tagged.audio_file != old_name and tagged.guid == queued_episode.guid
        tags: Any = ID3(episodes_dir / str(tagged.audio_file))  # type: ignore[no-untyped-call]
        assert str(tags["TIT2"]) == "After" and str(tags["TALB"]) == "Leaders"
        assert not (episodes_dir / old_name).exists()
        assert tagged.audio_bytes == (episodes_dir / str(tagged.audio_file)).stat().st_size
        # The swap did not touch the version: the editor opened before it still saves.
        assert tagged.version == queued_episode.version
        with db.new_session(queued) as check:
            assert check.get(EpisodeAudioName, old_name) is not None  # its hits still count
            [run] = check.scalars(select(JobRun).where(JobRun.task == "media.retag")).all()
            assert run.state == JobState.DONE
        feed = client.get("/leaders/feed.xml").get_data(as_text=True)
        assert f"{BASE_URL}/media/{tagged.audio_file}" in feed and old_name not in feed
        again = client.post(url, data=_edit_form(client, url, tagged.version, "After, again"))
        assert again.status_code == 303


def test_an_unchanged_save_and_a_draft_queue_no_retag(
    session: Session, app: Flask, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    draft = make_episode(session, show, episodes_dir, published_at=None, title="Draft")
    public = make_episode(session, show, episodes_dir, title="Public")
    session.commit()
    client = app.test_client()
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    for episode, status in ((draft, "draft"), (public, "published")):
        url = f"/studio/shows/leaders/episodes/{episode.id}"
        form = {**_edit_form(client, url, episode.version, episode.title), "status": status}
        assert client.post(url, data=form).status_code == 303
    with db.new_session(app) as check:
        assert check.scalars(select(JobRun).where(JobRun.task == "media.retag")).all() == []


def test_a_retag_that_raced_new_audio_swaps_nothing_and_asks_to_run_again(
    session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, title="Raced")
    session.commit()
    first = str(episode.audio_file)
    replaced = f"{show.slug}/replaced.mp3"
    (episodes_dir / replaced).write_bytes((episodes_dir / first).read_bytes())
    written: list[str] = []
    store = retagging._store_tagged_copy

    def store_while_new_audio_arrives(*args: Any) -> int:
        written.append(args[2])
        size = store(*args)
        with session.bind.connect() as other:  # type: ignore[union-attr]
            other.execute(
                Episode.__table__.update()  # type: ignore[attr-defined]
                .where(Episode.__table__.c.id == episode.id)  # type: ignore[attr-defined]
                .values(audio_file=replaced)
            )
            other.commit()
        return size

    monkeypatch.setattr(retagging, "_store_tagged_copy", store_while_new_audio_arrives)
    storage = LocalStorage(episodes_dir)
    with pytest.raises(retagging.RetagRaced):
        retagging.retag_in_background(session, episode.id, storage, BASE_URL)
    session.expire_all()
    assert session.get(Episode, episode.id).audio_file == replaced  # type: ignore[union-attr]
    assert written and not (episodes_dir / written[0]).exists()  # the copy is dropped
    assert (episodes_dir / first).exists() and (episodes_dir / replaced).exists()
