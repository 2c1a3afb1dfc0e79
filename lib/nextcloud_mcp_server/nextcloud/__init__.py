"""Typed async clients, one module per Nextcloud API, over one NextcloudClient.

This layer knows URLs, headers, JSON and XML; it knows nothing of MCP.
"""
