"""Handlers for people commands."""

HANDLERS: dict = {}
