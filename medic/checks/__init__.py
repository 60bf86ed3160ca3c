"""Checks: Snapshot → Findings, one module per area, all registered in ``registry``."""
