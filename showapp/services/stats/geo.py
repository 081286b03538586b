"""The country of a listener's address, from an offline copy of the registries' data.

iptocc ships the five Regional Internet Registries' allocation files (refreshed nightly
upstream, MIT OR Apache-2.0; the RIR data itself is free to use) compiled into its wheel, so a
lookup is an in-memory search of about 100 ns with no file or network access. It names the
country a block is *assigned* to, which agrees with commercial GeoIP databases for about 95% of
IPv4 addresses; it has no regions or cities. Refresh the data by upgrading the package
(`pip install -U iptocc`). Private, loopback and documentation addresses have no country.
"""

from __future__ import annotations

from iptocc import country_code

UNKNOWN = ""


def country_of(address: str) -> str:
    """The ISO 3166-1 alpha-2 code for an IPv4 or IPv6 address, or "" when unknown."""
    if not address:
        return UNKNOWN
    try:
        code = country_code(address)
    except (ValueError, TypeError):
        return UNKNOWN  # not an address (a misconfigured proxy header): no country
    return code if isinstance(code, str) and len(code) == 2 else UNKNOWN
