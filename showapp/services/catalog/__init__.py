"""The catalog: shows, episodes, guests and topics, their notes and artwork, and an episode's
chapters, transcripts and soundbites. Reads for the site and studio, and the writes hosts make.
"""
