"""Queries over the people read tables."""
