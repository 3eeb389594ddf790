"""Handlers for contracts commands."""

HANDLERS: dict = {}
