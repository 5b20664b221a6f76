"""The audit signing key (Ed25519) and its public form for verifiers.

The private key lives in a PEM file readable only by its owner (mode 0600), created on first
need. The public key is handed out as a signed-note verifier key (the format of
golang.org/x/mod/sumdb/note): ``<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>``,
one line that partners and the oversight body keep to verify checkpoints and receipts offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import make_url

from backchannel.errors import InvalidInput
from backchannel.settings import Settings
from backchannel.store.engine import normalise_url

ED25519 = 0x01  # signed-note signature type
KEY_FILE_NAME = "backchannel-audit.key"


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public: bytes) -> bytes:
    """C2SP signed-note key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A public key with its name, as partners hold it."""

    name: str
    public: bytes  # 32 bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def encode(self) -> str:
        data = base64.b64encode(bytes([ED25519]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{data}"

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``name+hexid+base64key``; raises :class:`InvalidInput`."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise InvalidInput("not a verifier key", why="expected NAME+KEYID+BASE64KEY")
    name, hex_id, data = parts
    try:
        raw = base64.b64decode(data, validate=True)
        wanted_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise InvalidInput("not a verifier key", why="bad key id or base64") from None
    if not _valid_name(name) or len(raw) != 33 or raw[0] != ED25519:
        raise InvalidInput("not an Ed25519 verifier key", why=f"name {name!r}")
    key = VerifierKey(name, raw[1:])
    if key.id != wanted_id:
        raise InvalidInput("verifier key id does not match its name and key")
    return key


@dataclass(frozen=True)
class SigningKey:
    """The log's private key and the name its signatures carry (the log's origin)."""

    name: str
    private: Ed25519PrivateKey

    @property
    def verifier(self) -> VerifierKey:
        public = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return VerifierKey(self.name, public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def default_key_path(database_url: str) -> Path:
    """Beside a SQLite database file; otherwise in the working directory."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent / KEY_FILE_NAME
    return Path.cwd() / KEY_FILE_NAME


def load_or_create_key(path: Path, name: str) -> SigningKey:
    """The signing key at ``path``, created (mode 0600) if the file does not exist yet."""
    if not _valid_name(name):
        raise InvalidInput(f"audit key name {name!r} must be non-empty, no spaces or '+'")
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key(path, name)  # created meanwhile by another process
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        return SigningKey(name, key)
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(
            f"audit key file {path} is accessible to other users", why="chmod 600 it"
        )
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise InvalidInput(f"cannot read audit key file {path}", why=str(exc)) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise InvalidInput(f"audit key file {path} does not hold an Ed25519 private key")
    return SigningKey(name, loaded)


def signing_key(settings: Settings) -> SigningKey:
    """The audit signing key the settings point at (created on first need)."""
    path = (
        Path(settings.audit_key_file).expanduser()
        if settings.audit_key_file
        else default_key_path(settings.database_url)
    )
    return load_or_create_key(path, settings.audit_origin)
