"""Keep studio imports from reaching the server's own network (SSRF).

A feed URL typed into the studio is fetched by the server, so without a check anyone who may
import could make it read http://127.0.0.1:.../admin, a cloud metadata service at
169.254.169.254 or a database on the private network. While screening is on (see
``screening``), every address an import opens is checked twice: its host name is resolved and
refused if any address is not public (a clear message before connecting, for the first URL
and each redirect hop), and the socket actually connected is checked again, so a name that
resolves differently the second time (DNS rebinding) still cannot reach inside.
The CLI does not screen: whoever runs it already has the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from showapp.errors import InvalidInput

_screening: ContextVar[bool] = ContextVar("showapp_screen_urls", default=False)
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddress(InvalidInput):
    """The URL points at this server or its private network."""


@contextmanager
def screening() -> Iterator[None]:
    """Screen every address opened in this thread (or context) until the block ends."""
    token = _screening.set(True)
    try:
        yield
    finally:
        _screening.reset(token)


def is_screening() -> bool:
    return _screening.get()


def is_public(address: IpAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified ranges."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def screen_url(url: str) -> None:
    """Raise UnsafeAddress unless every address the URL's host resolves to is public."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise UnsafeAddress(f"{url} has no host name")
    for address in _resolve(host, parts.port, url):
        if not is_public(address):
            raise UnsafeAddress(
                f"Refusing to fetch {url}: {host} is {address}, an address inside this "
                "server's own network (loopback, private, link-local or reserved)"
            )


def _resolve(host: str, port: int | None, url: str) -> list[IpAddress]:
    try:
        infos = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"Could not resolve the host of {url}: {error}") from error
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
    """socket.create_connection, refusing a non-public peer while screening is on."""
    sock = socket.create_connection(address, *args, **kwargs)
    if not _screening.get():
        return sock
    peer = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
    if not is_public(peer):
        sock.close()
        raise UnsafeAddress(
            f"Refusing to connect to {address[0]}: it is {peer}, inside this server's network"
        )
    return sock
