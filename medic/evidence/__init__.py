"""Evidence: text and sources turned into lines (and, later, Snapshots) for triage."""
