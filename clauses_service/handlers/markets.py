"""Handlers for markets commands."""

HANDLERS: dict = {}
