"""Queries and domain rules. No Flask request state: sessions and plain values in, models out."""
