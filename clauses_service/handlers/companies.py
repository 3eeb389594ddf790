"""Handlers for companies commands."""

HANDLERS: dict = {}
