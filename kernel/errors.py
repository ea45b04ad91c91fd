"""One exception hierarchy carrying the error codes of DESIGN.md §6 and the HTTP status each answers with."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def as_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}

    def headers(self) -> dict[str, str]:
        """HTTP headers the refusal carries (a 429's `Retry-After`)."""
        return {}


class Unauthenticated(AppError):
    code = "UNAUTHENTICATED"
    status = 401


class Forbidden(AppError):
    code = "FORBIDDEN"
    status = 403


class BadInput(AppError):
    code = "BAD_USER_INPUT"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions["field"] = field
        super().__init__(message, **extensions)


class TooLarge(BadInput):
    status = 413


class NotFound(AppError):
    code = "NOT_FOUND"
    status = 404


class Conflict(AppError):
    code = "CONFLICT"
    status = 409


class TooManyRequests(AppError):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, message: str, *, retry_after: int, **extensions: Any) -> None:
        super().__init__(message, **extensions)
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UpstreamError(AppError):
    code = "INTERNAL"
    status = 502
