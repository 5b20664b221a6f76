"""The HTTP service: REST under /api/v1 and TAXII 2.1 under /taxii2/, over the store's services."""
