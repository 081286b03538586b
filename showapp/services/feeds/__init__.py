"""Podcast feeds: which feeds exist, rendering them (feedgen plus the Podcasting 2.0 namespace),
the on-disk cache and its freshness stamps, splicing changed items into stored files, feed health
checks, OPML, and telling WebSub hubs and Podcast Index that a feed changed.
"""
