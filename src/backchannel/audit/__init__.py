"""Audit: the append-only Merkle log (RFC 9162), signed checkpoints, receipts, verification."""
