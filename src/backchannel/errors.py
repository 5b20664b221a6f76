"""One error hierarchy for the whole project.

Every user-facing failure is a :class:`BackchannelError` that says what went wrong, where and why.
Interfaces map them: the CLI prints one line and exits non-zero; the API (later) maps
``http_status``.
"""

from __future__ import annotations


class BackchannelError(Exception):
    """Base class: a failure caused by input or state, not by a bug."""

    http_status = 400
    exit_code = 1

    def __init__(self, what: str, *, where: str | None = None, why: str | None = None) -> None:
        self.what = what
        self.where = where
        self.why = why
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.where}: " if self.where else "", self.what]
        if self.why:
            parts.append(f" ({self.why})")
        return "".join(parts)


class InvalidInput(BackchannelError):
    """Input that cannot be accepted: a bad file, a bad option value, a bad object."""

    http_status = 422
    exit_code = 2


class NotFound(BackchannelError):
    """Something asked for does not exist (or, later, may not be seen: rule 7)."""

    http_status = 404
    exit_code = 3


class StoreError(BackchannelError):
    """The database is missing, unreachable, or not configured the way durability needs."""

    http_status = 503
    exit_code = 4


class Unauthenticated(BackchannelError):
    """No valid credential (missing, unknown, revoked token; wrong login)."""

    http_status = 401
    exit_code = 5


class Forbidden(BackchannelError):
    """A valid credential whose role may not do this. Partners never see this for data that
    is not theirs: they get :class:`NotFound`, exactly as for data that does not exist."""

    http_status = 403
    exit_code = 5


class TooLarge(BackchannelError):
    """A request body over the size or nesting limit."""

    http_status = 413
    exit_code = 2
