"""Download statistics: recording media requests, counting them as downloads (IAB style, OPAWG
user agents), daily rollups, and the studio dashboard's tables and SVG charts.
"""
