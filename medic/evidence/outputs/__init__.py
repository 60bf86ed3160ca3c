"""Parsers of command output pasted as evidence: one module per command, registered in ``registry``."""
