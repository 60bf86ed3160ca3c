"""medic serve: the HTTP API and alert intake (see app.py)."""
