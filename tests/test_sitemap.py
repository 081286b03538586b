"""/sitemap.xml: one file while the network fits the protocol's 50,000 addresses, an index of
parts beyond that (search engines reject a longer file)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.site import discovery
from tests.conftest import recorded_statements
from tests.factories import add_guest, add_topic, make_episode, make_show

TABLES = ("episodes", "guests", "topics")
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _xml(client: FlaskClient, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)


def _addresses(urlset: ET.Element) -> list[str]:
    assert urlset.tag == f"{{{NS['sm']}}}urlset"
    return [loc.text or "" for loc in urlset.findall("sm:url/sm:loc", NS)]


def test_a_network_past_the_limit_gets_an_index_of_parts_that_list_every_page_once(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = make_show(session, slug="leaders")
    for n in range(3):
        episode = make_episode(session, show, episodes_dir, title=f"Talk {n}")
        add_guest(session, episode, f"Guest {n}")
        add_topic(session, episode, "Sponsorship")
    session.commit()
    whole = _addresses(_xml(client, "/sitemap.xml"))
    # Home, shows directory, the show, three episodes, three guests and the topic.
    assert len(whole) == 10 and len(set(whole)) == 10
    assert client.get("/sitemap-1.xml").status_code == 404  # one file: no parts

    monkeypatch.setattr(discovery, "SITEMAP_URLS", 4)
    index = _xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    parts = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert [urlsplit(part).path for part in parts] == [
        "/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml"
    ]  # fmt: skip
    with recorded_statements(client.application) as asked:
        _xml(client, "/sitemap.xml")
    # The index counts the episodes, guests and topics and reads none of their addresses (at
    # 100,000 episodes reading them all took most of a second); a part reads its own slice.
    read = [sql for sql in asked if "count(" not in sql]
    assert not [sql for sql in read if any(f"{t}.slug" in sql for t in TABLES)], read
    listed = [_addresses(_xml(client, urlsplit(part).path)) for part in parts]
    assert [len(found) for found in listed] == [4, 4, 2]
    assert [address for found in listed for address in found] == whole
    for missing in ("/sitemap-0.xml", "/sitemap-4.xml"):
        assert client.get(missing).status_code == 404


def test_a_part_skips_its_offset_in_the_show_listing_index_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a grown network (the benchmark's, with planner statistics), a part reads the
    episodes in the show listing index's order: the episodes before its slice are skipped in
    the index, not read from the table and sorted (at 100,000 episodes that sort was 185 ms
    of every part)."""
    from bench.site_seed import Network, config, seed

    media = tmp_path / "episodes"
    media.mkdir()
    url = f"sqlite:///{tmp_path / 'grown.sqlite3'}"
    seed(url, Network.of(2_000), media)
    app = create_app({**config(url, media), "SITE_CACHE_SIZE": 0})
    monkeypatch.setattr(discovery, "SITEMAP_URLS", 700)
    ran: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        ran.append((statement, params))

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", note)
    try:
        client = app.test_client()
        index = [urlsplit(loc.text or "").path for loc in _xml(client, "/sitemap.xml").iter()
                 if loc.tag.endswith("loc")]  # fmt: skip
        listed = [_addresses(_xml(client, part)) for part in index]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    addresses = [address for found in listed for address in found]
    assert len(addresses) == len(set(addresses)) and len(listed) >= 3
    assert sum("/episodes/" in address for address in addresses) == 2_000
    reads = [(sql, params) for sql, params in ran if "episodes.slug" in sql and "count(" not in sql]
    assert len(reads) >= 3, ran
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection
        assert cursor is not None
        for sql, params in reads:
            plan = " ".join(row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "ix_episodes_show_listing" in plan and "TEMP B-TREE" not in plan, (sql, plan)
    engine.dispose()
