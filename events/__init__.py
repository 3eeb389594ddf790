"""The append-only event log: event types, the SQL store, upcasters, the in-memory twin."""
