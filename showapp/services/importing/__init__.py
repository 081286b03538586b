"""Moving a show in: reading hostile RSS feeds, fetching them (and their media) safely, mapping
them onto the catalog in batches, studio import jobs, and export archives (both directions).
"""
