"""Integrations with the orchestrators pipelines run in (each imports its orchestrator lazily)."""
