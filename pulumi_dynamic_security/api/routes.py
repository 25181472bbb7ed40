"""The routes of Dynamic's admin API this tool calls, with what each one needs.

One table instead of strings scattered through the client: the error messages read the
resource name and the scope from here (a 403 names the scope the route needs,
docs/emulator.md#scopes).
`scope=None` marks the organization and project routes, which only an organization
(admin) token may call; an environment API token never can.

Every id reaches a path through `path_segment`, the one function that turns a value into a
path segment: an id is exactly one segment, so `..` can never turn
`DELETE /environments/{id}/tokens/{token_id}` into `DELETE /environments/{id}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.scopes import (
    SETTINGS_READ,
    SETTINGS_WRITE,
    TOKENS_READ,
    TOKENS_WRITE,
    USERS_READ,
    USERS_WRITE,
    WEBHOOKS_READ,
    WEBHOOKS_WRITE,
)


@dataclass(frozen=True)
class Route:
    """One operation: HTTP method, path template, the scope it needs, what it is about."""

    method: str
    template: str
    scope: str | None
    resource: str
    # A POST whose effect is the same however often it lands (revoking sessions).
    repeatable: bool = False

    def path(self, **params: str) -> str:
        """The concrete path, each id one segment (`path_segment`); UnsafeIdError (exit 3)
        before anything is sent when an id cannot be one."""
        segments: dict[str, str] = {}
        for name, value in params.items():
            try:
                segments[name] = path_segment(value)
            except UnsafeIdError as exc:
                raise UnsafeIdError(value, exc.reason, what=name,
                                    call=f"{self.method} {self.template}") from None
        return self.template.format(**segments)

    @property
    def idempotent(self) -> bool:
        """Whether sending it twice is the same as once (what makes a blind retry safe)."""
        return self.repeatable or self.method in {"GET", "PUT", "DELETE"}


class UnsafeIdError(InputError):
    """A value that cannot be sent as one path segment; raised before any request."""

    def __init__(self, value: object, reason: str, *, what: str = "id",
                 call: str | None = None):
        self.value = value
        self.reason = reason
        where = f"Refusing to send {call}: the" if call else "The"
        super().__init__(
            f"{where} {what} {echo(value)} cannot be one path segment ({reason}); nothing "
            "was sent.",
            hint="Ids come from Dynamic (uuids): check the file or argument this one came from.",
        )


# RFC 3986's unreserved characters: they mean the same escaped or not, so no server or proxy
# can read them as a separator, and `%` (an escape some servers decode twice) is not among them.
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]{1,128}")


def path_segment(value: object) -> str:
    """`value` as exactly one path segment, or UnsafeIdError: not a string, empty, longer
    than 128 characters, `.` or `..` (which a URL resolves to the current or parent path),
    or holding anything but letters, digits and `-._~` (so no `/`, `\\`, `%`, `?`, `#`,
    space or control character, and nothing for a server to decode a second time). The
    result is percent-encoded all the same, so that it stays one segment if this set ever
    grows."""
    if not isinstance(value, str):
        raise UnsafeIdError(value, "not a string")
    if value in (".", ".."):
        raise UnsafeIdError(value, "a dot segment names another path")
    if not _SEGMENT.fullmatch(value):
        raise UnsafeIdError(value, (
            "empty" if not value else "longer than 128 characters" if len(value) > 128
            else "only letters, digits and - . _ ~ can be"
        ))
    return quote(value, safe="")


GET_ENVIRONMENT = Route("GET", "/environments/{environment_id}", SETTINGS_READ, "environment")
UPDATE_SETTINGS = Route("PUT", "/environments/{environment_id}", SETTINGS_WRITE, "environment")
GET_PROJECT = Route("GET", "/projects/{project_id}", None, "project")
LIST_PROJECT_ENVIRONMENTS = Route(
    "GET", "/projects/{project_id}/environments", None, "project"
)
CREATE_PROJECT = Route(
    "POST", "/organizations/{organization_id}/projects", None, "organization"
)
LIST_ORIGINS = Route("GET", "/environments/{environment_id}/origins", SETTINGS_READ, "environment")
ADD_ORIGIN = Route("POST", "/environments/{environment_id}/origins", SETTINGS_WRITE, "environment")
DELETE_ORIGIN = Route("DELETE", "/origins/{origin_id}", SETTINGS_WRITE, "origin")
LIST_TOKENS = Route("GET", "/environments/{environment_id}/tokens", TOKENS_READ, "environment")
CREATE_TOKEN = Route("POST", "/environments/{environment_id}/tokens", TOKENS_WRITE, "environment")
DELETE_TOKEN = Route(
    "DELETE", "/environments/{environment_id}/tokens/{token_id}", TOKENS_WRITE, "API token"
)
REVOKE_USER_SESSIONS = Route(
    "POST",
    "/environments/{environment_id}/users/{user_id}/sessions/revoke",
    USERS_WRITE,
    "environment",
    repeatable=True,
)
# The newer environment-wide revocation: queued at Dynamic (202), repeatable like the above.
REVOKE_ALL_SESSIONS = Route(
    "POST",
    "/environments/{environment_id}/users/sessions/revoke",
    USERS_WRITE,
    "environment",
    repeatable=True,
)
GET_SESSION = Route("GET", "/users/{user_id}/sessions/{session_id}", USERS_READ, "session")
LIST_CUSTOM_HOSTNAMES = Route(
    "GET", "/environments/{environment_id}/custom/hostnames", SETTINGS_READ, "environment"
)
CREATE_CUSTOM_HOSTNAME = Route(
    "POST", "/environments/{environment_id}/custom/hostnames", SETTINGS_WRITE, "environment"
)
DELETE_CUSTOM_HOSTNAME = Route(
    "DELETE",
    "/environments/{environment_id}/custom/hostnames/{hostname_id}",
    SETTINGS_WRITE,
    "custom hostname",
)
LIST_WEBHOOKS = Route("GET", "/environments/{environment_id}/webhooks", WEBHOOKS_READ,
                      "environment")
CREATE_WEBHOOK = Route("POST", "/environments/{environment_id}/webhooks", WEBHOOKS_WRITE,
                       "environment")
GET_WEBHOOK = Route("GET", "/environments/{environment_id}/webhooks/{webhook_id}",
                    WEBHOOKS_READ, "webhook")
UPDATE_WEBHOOK = Route("PUT", "/environments/{environment_id}/webhooks/{webhook_id}",
                       WEBHOOKS_WRITE, "webhook")
DELETE_WEBHOOK = Route("DELETE", "/environments/{environment_id}/webhooks/{webhook_id}",
                       WEBHOOKS_WRITE, "webhook")
# The catalogue is the same for every environment; Dynamic names no scope for it (its
# emulator takes any valid token), so a 403 names the webhook scope that goes with it.
LIST_EVENT_TYPES = Route("GET", "/eventTypes", WEBHOOKS_READ, "event catalogue")
# Dynamic names no scope for the test account either; it is part of the environment's
# sign-in setup, so reading it goes with the settings (as the emulator guards it).
GET_TEST_ACCOUNT = Route("GET", "/environments/{environment_id}/test/account", SETTINGS_READ,
                         "test account")
