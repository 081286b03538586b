"""Two app hosts behind nginx as one address (docs/scaling.md), with PostgreSQL, Redis and an
S3-compatible bucket: a host signs in through the balancer, uploads on one host and the
episode plays through the other; an edit shows on both; pages and feeds agree on both;
sign-in limits hold across hosts; a listener served by both hosts is counted once."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import lxml.html
import pytest
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from showapp.models import (
    DailyDownloads,
    Episode,
    EpisodeStatus,
    ImportJob,
    JobRun,
    JobState,
    Show,
)
from showapp.services.demo import tones
from tests.cluster import Cluster, Host, run_cli, two_hosts
from tests.conftest import serving
from tests.s3server import S3Server
from tests.test_jobs_durability import SlowHost

ADMIN = "admin@example.com"
PASSWORD = "a long two-host passphrase"
LISTENER = {"User-Agent": "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X)"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("two-hosts")
    bucket = s3_server.app_config(s3_server.new_bucket())
    settings = {f"SHOWAPP_{key}": str(value) for key, value in bucket.items()}
    # The old host of an imported show is on this machine.
    settings["SHOWAPP_IMPORT_ALLOW_PRIVATE"] = "true"
    with two_hosts(folder, {**settings, "SHOWAPP_ADMIN_PASSWORD": PASSWORD}) as running:
        run_cli(running, running.hosts[0], "init", "--admin-email", ADMIN)
        run_cli(running, running.hosts[0], "demo")
        yield running


@pytest.fixture(scope="module")
def database(cluster: Cluster) -> Iterator[Engine]:
    engine = create_engine(cluster.database_url)
    yield engine
    engine.dispose()


def _episode(database: Engine, offset: int = 0) -> tuple[str, str, int, str]:
    """(show slug, episode slug, episode id, audio file) of the demo's latest episode (or
    the one `offset` before it)."""
    query = (
        select(Show.slug, Episode.slug, Episode.id, Episode.audio_file)
        .join(Show, Show.id == Episode.show_id)
        .where(Episode.status == EpisodeStatus.PUBLISHED, Episode.audio_file.is_not(None))
        .order_by(Episode.published_at.desc())
        .offset(offset)
        .limit(1)
    )
    with database.connect() as connection:
        row = connection.execute(query).one()
    return row[0], row[1], row[2], row[3]


def _wait_for_retag(database: Engine, episode_id: int, timeout: float = 60) -> None:
    """Until a worker (on either host) has swapped in the episode's tagged audio: the save
    only queues the retag (media.retag), and the untagged file is deleted once it is done."""
    deadline = time.monotonic() + timeout
    query = select(JobRun.state, JobRun.arguments).where(JobRun.task == "media.retag")
    while True:
        with database.connect() as connection:
            states = [state for state, arguments in connection.execute(query)
                      if arguments.get("episode_id") == episode_id]  # fmt: skip
        if states and all(state == JobState.DONE for state in states):
            return
        assert time.monotonic() < deadline, f"the retag of episode {episode_id}: {states}"
        time.sleep(0.2)


def _get(host: Host | str, path: str, **options: object) -> requests.Response:
    base = host.url if isinstance(host, Host) else host
    return requests.get(base + path, timeout=20, **options)  # type: ignore[arg-type]


def test_pages_and_feeds_agree_on_both_hosts(cluster: Cluster, database: Engine) -> None:
    show, episode, _, _ = _episode(database)
    paths = ["/", f"/{show}/", f"/{show}/episodes/{episode}", f"/{show}/feed.xml", "/feed.xml"]
    for path in paths:
        a, b = (_get(host, path) for host in cluster.hosts)
        assert a.status_code == b.status_code == 200, path
        assert a.content == b.content, path
        # Links name the balancer's address, never a host's own.
        assert cluster.hosts[0].url.encode() not in a.content
        assert cluster.url.encode() in a.content or path.endswith("/"), path


def _signed_in(cluster: Cluster) -> requests.Session:
    browser = requests.Session()
    form = _form(browser.get(f"{cluster.url}/studio/login", timeout=20))
    form.update(email=ADMIN, password=PASSWORD)
    answer = browser.post(
        f"{cluster.url}/studio/login", data=form, allow_redirects=False, timeout=20
    )
    assert answer.status_code == 303, answer.text[:500]
    return browser


def _form(page: requests.Response, field: str = "csrf_token") -> dict[str, str]:
    """The named fields of the page's first form with a field named `field`."""
    document = lxml.html.fromstring(page.content)
    forms = [f for f in document.forms if field in f.fields]
    assert forms, f"no form with a {field} field on {page.url}"
    return {name: value or "" for name, value in forms[0].form_values()}


def test_a_host_signs_in_through_the_balancer_and_both_hosts_serve_the_edit(
    cluster: Cluster, database: Engine
) -> None:
    show, _, episode_id, _ = _episode(database)
    browser = _signed_in(cluster)
    # Each request may land on either host: the session and its CSRF token hold on both.
    for _ in range(4):
        assert browser.get(f"{cluster.url}/studio/", timeout=20).status_code == 200
    edit = f"/studio/shows/{show}/episodes/{episode_id}"
    page = browser.get(cluster.url + edit, timeout=20)
    assert page.status_code == 200, page.url
    form = _form(page, "title")
    form["title"] = "Edited through the balancer"
    saved = browser.post(cluster.url + edit, data=form, allow_redirects=False, timeout=20)
    assert saved.status_code == 303, saved.text[:800]
    new_slug = _episode(database)[1]
    deadline = time.monotonic() + 5
    while True:
        pages = [_get(host, f"/{show}/episodes/{new_slug}") for host in cluster.hosts]
        feeds = [_get(host, f"/{show}/feed.xml") for host in cluster.hosts]
        if all(b"Edited through the balancer" in r.content for r in pages + feeds):
            break
        # Another host's page cache trusts the site revision it read for a second at most.
        assert time.monotonic() < deadline, "a host still serves the old title"
        time.sleep(0.2)
    # Retagged with the new title by whichever host's worker took the job: the bucket serves
    # both.
    _wait_for_retag(database, episode_id)
    audio = _episode(database)[3]
    for host in cluster.hosts:
        assert _get(host, f"/media/{audio}", headers=LISTENER).status_code == 200


def test_an_episode_uploaded_on_one_host_plays_through_the_other(
    cluster: Cluster, database: Engine
) -> None:
    show = _episode(database)[0]
    browser = _signed_in(cluster)
    uploader, player = cluster.hosts
    listing = browser.get(f"{uploader.url}/studio/shows/{show}/episodes", timeout=20)
    audio = tones.melody_mp3(3, 20)
    saved = browser.post(
        f"{uploader.url}/studio/shows/{show}/episodes/upload",
        data={"csrf_token": _form(listing)["csrf_token"]},
        files={"audio": ("two-hosts.mp3", audio, "audio/mpeg")},
        allow_redirects=False,
        timeout=60,
    )
    assert saved.status_code == 303, saved.text[:800]
    edit = saved.headers["Location"]
    form = _form(browser.get(uploader.url + edit if edit.startswith("/") else edit), "title")
    form.update(title="Uploaded on host A", status="published")
    published = browser.post(
        uploader.url + urlsplit(edit).path, data=form, allow_redirects=False, timeout=60
    )
    assert published.status_code == 303, published.text[:800]
    _wait_for_retag(database, _episode(database)[2])
    _, slug, _, name = _episode(database)
    assert slug == "uploaded-on-host-a"
    page = _get(player, f"/{show}/episodes/{slug}")
    assert page.status_code == 200 and b"Uploaded on host A" in page.content
    # The other host counts the request and sends the player to the bucket: Range works.
    whole = _get(player, f"/media/{name}", headers=LISTENER)
    assert whole.status_code == 200 and whole.history and whole.history[0].status_code == 302
    assert whole.content.endswith(audio)  # the uploaded frames, after the ID3 tag publishing added
    part = _get(cluster.url, f"/media/{name}", headers={**LISTENER, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]


def test_sign_in_limits_hold_across_hosts(cluster: Cluster) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"  # no other run's failures count
    statuses = []
    for attempt in range(6):
        host = cluster.hosts[attempt % 2]
        browser = requests.Session()
        form = _form(browser.get(f"{host.url}/studio/login", timeout=20))
        form.update(email=email, password="wrong")
        answer = browser.post(f"{host.url}/studio/login", data=form, timeout=20)
        statuses.append(answer.status_code)
    # Five failures a minute per account, counted in Redis: the sixth is refused on either host.
    assert statuses == [401] * 5 + [429]


def test_a_listener_is_counted_once_across_hosts(cluster: Cluster, database: Engine) -> None:
    # Two episodes back: no other test has fetched it.
    _, _, episode_id, audio = _episode(database, offset=2)
    path = f"/media/{audio}"
    for host in (*cluster.hosts, cluster.url, cluster.url):
        answer = _get(host, path, headers=LISTENER)
        assert answer.status_code == 200 and len(answer.content) > 1000
    run_cli(cluster, cluster.hosts[1], "stats", "rollup")
    deadline = time.monotonic() + 10
    while _downloads(database, episode_id) == 0 and time.monotonic() < deadline:
        # The hosts write their hits in the background; roll up what has arrived.
        time.sleep(0.5)
        run_cli(cluster, cluster.hosts[0], "stats", "rollup")
    time.sleep(1)
    run_cli(cluster, cluster.hosts[0], "stats", "rollup")
    assert _downloads(database, episode_id) == 1
    with database.connect() as connection:
        requests_seen = connection.execute(
            text("SELECT count(*) FROM media_requests WHERE episode_id = :id"), {"id": episode_id}
        ).scalar_one()
    assert requests_seen == 4  # each host recorded what it served


def _downloads(database: Engine, episode_id: int) -> int:
    query = select(func.coalesce(func.sum(DailyDownloads.downloads), 0)).where(
        DailyDownloads.episode_id == episode_id
    )
    with database.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_an_import_started_on_one_host_finishes_on_the_other_when_it_dies(
    cluster: Cluster, database: Engine
) -> None:
    first, second = cluster.hosts
    cluster.stop_worker(second)  # so the import starts on the first host's worker
    old_host = SlowHost(count=10, delay=0.5)
    with serving(old_host.server):
        browser = _signed_in(cluster)
        form = _form(browser.get(f"{first.url}/studio/import", timeout=20))
        form.update(show="", url=f"{old_host.base}/feed.xml", download_media="y")
        started = browser.post(
            f"{first.url}/studio/import", data=form, allow_redirects=False, timeout=20
        )
        assert started.status_code == 303, started.text[:800]
        _wait_for(lambda: _imported(database)[1] >= 3, 90, "a few downloads on the first host")
        cluster.stop(first, signal.SIGKILL)  # the machine dies mid-import
        assert _imported(database)[1] < old_host.count
        cluster.start_worker(second)
        _wait_for(lambda: _import_state(database) == "done", 180, "the import to finish")
    slug, with_audio, guids = _imported(database)
    assert with_audio == old_host.count and guids == old_host.count  # all, none twice
    # The balancer sends listeners to the host that is left.
    feed = _get(cluster.url, f"/{slug}/feed.xml")
    assert feed.status_code == 200 and feed.content.count(b"<enclosure") == old_host.count
    _, _, _, audio = _episode(database)
    assert _get(cluster.url, f"/media/{audio}", headers=LISTENER).status_code == 200
    cluster.start(first)


def _imported(database: Engine) -> tuple[str, int, int]:
    """(slug, episodes with audio, distinct GUIDs) of the imported show."""
    with database.connect() as connection:
        slug = connection.execute(
            select(Show.slug).where(Show.title == "Slow Host Show")
        ).scalar_one_or_none()
        if slug is None:
            return "", 0, 0
        episodes = (
            select(Episode.audio_file, Episode.guid)
            .join(Show, Show.id == Episode.show_id)
            .where(Show.slug == slug)
        )
        rows = connection.execute(episodes).all()
    return slug, sum(1 for row in rows if row.audio_file), len({row.guid for row in rows})


def _import_state(database: Engine) -> str:
    with database.connect() as connection:
        query = select(ImportJob.state).order_by(ImportJob.id.desc()).limit(1)
        return str(connection.execute(query).scalar_one_or_none() or "")


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.5)
