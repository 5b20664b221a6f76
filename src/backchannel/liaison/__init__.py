"""Liaison: partners, agreements, the release policy, releases, requests, relays, statistics."""
