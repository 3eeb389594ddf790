"""Queries over the companies read tables."""
