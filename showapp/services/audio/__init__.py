"""Audio files: staging and probing uploads, the MP3 frame walk, writing tags and MP4 chapters,
and retagging published files.
"""
