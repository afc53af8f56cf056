"""Exporters and the tree rendering shared with the CLI."""
