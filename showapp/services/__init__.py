"""Queries and domain rules, one package per domain. No Flask request state: sessions and
plain values in, models or values out.

catalog/    shows, episodes, guests, topics, notes, artwork, chapters, transcripts, soundbites
feeds/      rendering, caching and splicing feeds; feed health; OPML; WebSub pings
importing/  feeds and archives in, archives out; studio import jobs; SSRF guard
stats/      recording media requests, counting downloads, rollups, dashboard, charts
audio/      probing uploads, MP3 frames, tags and chapters, retagging
review/     guest review links and comments
search/     full-text search and its index
demo/       the demo network
accounts    users, passwords, roles, invitations
saved_forms forms posted after a sign-in lapsed, restored to the same host after sign-in
urls        public URLs built from the base URL, outside a request
"""
