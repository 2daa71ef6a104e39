"""Turns the generated functions' answers into a value or an exception.

The generated ``*.sync_detailed`` functions return every documented status as
data (``Response[ErrorBody | NodeList | ...]``). ``unwrap`` gives the success
body and raises ``ApiError`` for the rest, so callers write straight-line code
and ``except ApiError as e: e.status == 404``. (Hand-written: generate.sh keeps it.)
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from .models.error_body import ErrorBody
from .types import Response

class ApiError(Exception):
    """A response with a status of 400 or more, with the server's ``{code, message}``."""

    def __init__(self, status: int, code: str, message: str, body: ErrorBody | None = None):
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        super().__init__(f"{status} {code}: {message}")


def unwrap(response: Response[Any]) -> Any:
    """The parsed body of a success, or ``ApiError``."""
    status = int(response.status_code)
    if status < HTTPStatus.BAD_REQUEST:
        return response.parsed
    body = response.parsed if isinstance(response.parsed, ErrorBody) else _error_body(response.content)
    if body is None:
        text = response.content.decode(errors="replace")
        raise ApiError(status, HTTPStatus(status).phrase.lower().replace(" ", "_"), text)
    raise ApiError(status, body.code, body.message, body)


def _error_body(content: bytes) -> ErrorBody | None:
    """Statuses the document does not list still carry the server's error body."""
    try:
        return ErrorBody.from_dict(json.loads(content))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
