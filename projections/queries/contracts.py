"""Queries over the contracts read tables."""
