"""TAXII 2.1: the server (partners fetch their releases) and the client (we pull feeds)."""
