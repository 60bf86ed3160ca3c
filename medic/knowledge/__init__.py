"""Runbooks → entries: parsing, section roles, language, storage and search."""
