"""The routes of Dynamic's admin API this tool calls, with what each one needs.

One table instead of strings scattered through the client: the error messages read the
resource name and the scope from here (a 403 names the scope the route needs, SPEC §7).
`scope=None` marks the organization and project routes, which only an organization
(admin) token may call; an environment API token never can.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from pulumi_dynamic_security.scopes import (
    SETTINGS_READ,
    SETTINGS_WRITE,
    TOKENS_READ,
    TOKENS_WRITE,
    USERS_WRITE,
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
        """The concrete path; ids are percent-encoded so a stray '/' cannot change the route."""
        return self.template.format(**{k: quote(v, safe="") for k, v in params.items()})

    @property
    def idempotent(self) -> bool:
        """Whether sending it twice is the same as once (what makes a blind retry safe)."""
        return self.repeatable or self.method in {"GET", "PUT", "DELETE"}


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
