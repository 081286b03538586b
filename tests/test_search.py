"""Search on the real database (FTS5 on SQLite, full-text search on PostgreSQL), with the
index kept in step by the session events."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from showapp.models import SearchDocument
from showapp.services.catalog import writes
from showapp.services.search import index as search_index
from showapp.services.search import queries as search_queries
from tests.factories import add_guest, add_topic, make_episode, make_show


def _titles(results: search_queries.SearchResults) -> list[str]:
    return [hit.episode.title for hit in results.hits]


def test_search_matches_titles_notes_guests_and_topics(
    session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    first = make_episode(session, show, episodes_dir, title="Finding a sponsor",
                         notes_md="We discuss **stretch** assignments.")  # fmt: skip
    second = make_episode(session, show, episodes_dir, title="Mentors at scale")
    add_guest(session, second, "Kenji Watanabe")
    add_topic(session, first, "Career capital")
    session.commit()

    assert _titles(search_queries.search_episodes(session, "sponsor")) == ["Finding a sponsor"]
    assert _titles(search_queries.search_episodes(session, "stretch")) == ["Finding a sponsor"]
    assert _titles(search_queries.search_episodes(session, "watanabe")) == ["Mentors at scale"]
    assert _titles(search_queries.search_episodes(session, "capital")) == ["Finding a sponsor"]
    assert search_queries.search_episodes(session, "nothing-like-this").total == 0


def test_snippets_mark_matches_and_escape_stored_text(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Trust",
                 notes_md="Say <b>hello</b> and build trust with your zeppelin crew.")  # fmt: skip
    session.commit()
    results = search_queries.search_episodes(session, "zeppelin")
    assert ("zeppelin", True) in results.hits[0].snippet.segments
    page = client.get("/search?q=zeppelin").get_data(as_text=True)
    assert "<mark>zeppelin</mark>" in page
    assert "<b>hello</b>" not in page


def test_a_word_said_only_in_a_transcript_is_found(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, title="Quiet one")
    session.commit()
    assert search_queries.search_episodes(session, "kaleidoscope").total == 0
    search_index.index_episodes(
        session, [episode.id], transcripts={episode.id: "a kaleidoscope of"}
    )
    session.commit()
    results = search_queries.search_episodes(session, "kaleidoscope")
    assert _titles(results) == ["Quiet one"]
    assert ("kaleidoscope", True) in results.hits[0].snippet.segments


def test_drafts_and_future_episodes_are_never_found(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Secret zeppelin", published_at=None)
    session.commit()
    assert search_queries.search_episodes(session, "zeppelin").total == 0


def test_index_follows_edits_and_deletes(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, title="Old title")
    session.commit()
    episode.title = "Brand new heading"
    session.commit()
    assert _titles(search_queries.search_episodes(session, "heading")) == ["Brand new heading"]
    assert search_queries.search_episodes(session, "old").total == 0
    guest = writes.find_or_create_guest(session, "Ada Lovelace")
    writes.credit_guest(session, episode, guest)
    session.commit()
    guest.name = "Ada King"
    session.commit()
    assert search_queries.search_episodes(session, "king").total == 1
    session.delete(episode)
    session.commit()
    assert session.scalars(select(SearchDocument)).all() == []


def test_search_input_is_never_query_syntax_and_pages(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    for n in range(12):
        make_episode(session, show, episodes_dir, title=f"Mentoring talk {n}")
    session.commit()
    for nasty in ['"', "NEAR(", "a OR", "*", "-x", "'); drop", "a & | !b"]:
        assert client.get("/search", query_string={"q": nasty}).status_code == 200
    first = search_queries.search_episodes(session, "mentoring", page=1)
    second = search_queries.search_episodes(session, "mentoring", page=2)
    assert first.total == 12 and first.pages == 2
    assert len(first.hits) == 10 and len(second.hits) == 2
    assert not set(_titles(first)) & set(_titles(second))
    assert 'rel="next"' in client.get("/search?q=mentoring").get_data(as_text=True)
    assert client.get("/search?q=mentoring&page=9").status_code == 404


def test_prefix_of_the_last_word_matches(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Sponsorship explained")
    session.commit()
    assert search_queries.search_episodes(session, "sponsorsh").total == 1


def test_title_matches_come_first_then_the_newest(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Courage at work", notes_md="Plain notes.")
    make_episode(session, show, episodes_dir, title="Habits", notes_md="Some courage, once.")
    make_episode(session, show, episodes_dir, title="Focus", notes_md="Courage, again.")
    session.commit()

    results = search_queries.search_episodes(session, "courage")

    assert _titles(results) == ["Courage at work", "Focus", "Habits"]
    title_snippet = results.hits[0].snippet.segments
    assert ("Courage", True) in title_snippet


def test_title_edits_move_an_episode_in_and_out_of_the_title_matches(
    session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    older = make_episode(session, show, episodes_dir, title="Habits", notes_md="Courage.")
    newer = make_episode(session, show, episodes_dir, title="Focus", notes_md="Courage, again.")
    session.commit()
    assert _titles(search_queries.search_episodes(session, "courage")) == ["Focus", "Habits"]

    older.title = "Courage habits"
    session.commit()
    assert _titles(search_queries.search_episodes(session, "courage")) == [
        "Courage habits",
        "Focus",
    ]
    older.title = "Habits"
    newer.notes_md = "Courage, and patience."  # the notes alone: the titles' index is kept
    session.commit()
    assert _titles(search_queries.search_episodes(session, "courage")) == ["Focus", "Habits"]
    assert _titles(search_queries.search_episodes(session, "patience")) == ["Focus"]
    session.delete(older)
    session.commit()
    assert _titles(search_queries.search_episodes(session, "habits")) == []
    if session.get_bind().dialect.name == "sqlite":
        # FTS5 compares each index with search_documents, the rows it was built from.
        for index in ("search_fts", "search_fts_titles"):
            session.execute(
                text(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")
            )


def test_a_known_word_matches_its_forms_and_an_unknown_one_is_a_prefix(
    session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Mentoring, mentors and a mentor")
    make_episode(session, show, episodes_dir, title="Mentorship explained")
    session.commit()

    if session.get_bind().dialect.name == "sqlite":
        # "mentor" is a word the index holds: its forms match (porter), a longer word does
        # not. (PostgreSQL's prefix search costs nothing extra, so there it stays a prefix.)
        assert _titles(search_queries.search_episodes(session, "mentor")) == [
            "Mentoring, mentors and a mentor"
        ]
    assert _titles(search_queries.search_episodes(session, "mentorsh")) == ["Mentorship explained"]
    assert search_queries.search_episodes(session, "ment").total == 2


def test_reindex_all_rebuilds_the_index(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Rebuilt")
    session.commit()
    assert search_index.reindex_all(session) == 1
    session.commit()
    assert search_queries.search_episodes(session, "rebuilt").total == 1


def test_search_counts_as_far_as_its_pager_reaches(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="counted")
    for n in range(search_queries.PAGE_SIZE * 5 + 2):
        make_episode(session, show, episodes_dir, seconds=1, title=f"Courage story {n}")
    session.commit()
    # Page 1 counts its own matches and four pages more, and one to know there are others.
    first = client.get("/search?q=courage").get_data(as_text=True)
    assert "More than 50 results for “courage”" in first
    assert "Page 1 of 6 or more" in first
    assert ">Oldest<" not in first  # the last page is not known yet
    # The sixth page exists (it holds the 51st and 52nd) and counts them all.
    sixth = client.get("/search?q=courage&page=6")
    assert sixth.status_code == 200
    text = sixth.get_data(as_text=True)
    assert "52 results for “courage”" in text
    assert text.count('class="card hit"') == 2
    assert "Page 6 of 6</span>" in text
    assert client.get("/search?q=courage&page=7").status_code == 404
    # A narrower search is counted exactly.
    narrow = search_queries.search_episodes(session, "story 7")
    assert not narrow.capped and narrow.total == 1
