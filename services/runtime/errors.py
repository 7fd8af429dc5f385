"""Errors a use case raises for the edge to translate: HTTP status and the field at fault.

Pure exceptions, importing nothing, so domains can raise them; ``http_errors`` turns them into responses.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused request; ``field`` (in ``location``: body, path or query) names the input at fault, as FastAPI's
    own 422 ``loc`` does."""

    status = 422
    kind = "rejected"

    def __init__(self, message: str, *, field: str | None = None, location: str = "body") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.location = location


class Rejected(DomainError):
    """Input that parses but breaks a rule."""


class NotFound(DomainError):
    status = 404
    kind = "not_found"


class Conflict(DomainError):
    """A state the request cannot apply to (an illegal transition, a duplicate)."""

    status = 409
    kind = "conflict"


class Forbidden(DomainError):
    status = 403
    kind = "forbidden"


class EventTooLarge(DomainError):
    """An event the use case would publish is bigger than the bus carries, so nothing of the use case commits.

    Raised by ``UnitOfWork.emit`` rather than left to the relay: a message over NATS's ``max_payload`` would
    otherwise be refused after the state change had committed, and that change would never reach other services.
    """

    kind = "event_too_large"

    def __init__(self, event_type: str, *, size: int, limit: int) -> None:
        super().__init__(
            f"the {event_type} event this change publishes would be {size:,} bytes on the bus, over its "
            f"{limit:,}-byte limit (NATS max_payload): fewer or shorter entries"
        )
        self.event_type = event_type
        self.size = size
        self.limit = limit
