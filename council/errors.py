"""Domain errors: raised by operations, turned into HTTP statuses or socket error acks."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a domain operation raises; `message` is already translated."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"


class ValidationError(DomainError):
    status = 422
    code = "invalid"


class RateLimited(DomainError):
    """Too many actions in a short time (posting comments…): try again later."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 0) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after  # seconds, for a Retry-After header; 0: not said
