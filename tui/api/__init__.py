"""The TUI's only way to the data: the gateway's sign-in, GraphQL and administration endpoints.

Screens never build HTTP requests; they call the methods of `Api`, one module per domain over one transport
(`transport.py`); the GraphQL documents live in `documents.py`. Every refusal becomes an `ApiError` whose
message is in plain language (Chinese and English). The live schema is introspected once per session so a
screen can offer an action only when the server has it (`Api.has`).
"""

from __future__ import annotations

from tui.api.admin import AdminApi
from tui.api.assessment import AssessmentApi
from tui.api.errors import PLAIN, SIGN_IN_PLAIN, ApiError, plain
from tui.api.personnel import PersonnelApi
from tui.api.targets import TargetsApi
from tui.api.transport import Schema, Session


class Api(TargetsApi, AssessmentApi, PersonnelApi, AdminApi):
    """Every call the client makes, over one session."""


__all__ = ["PLAIN", "SIGN_IN_PLAIN", "Api", "ApiError", "Schema", "Session", "plain"]
