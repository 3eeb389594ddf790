"""Queries over the markets read tables."""
