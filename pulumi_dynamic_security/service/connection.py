"""From "which stage, which options" to a ready `DynamicClient`: credentials and base URL.

Credentials come from the stage's environment variable (`token_env`, default
`DYNAMIC_API_TOKEN`) or from a file; never from a command-line value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pulumi_dynamic_security.api.config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    ClientConfig,
    insecure_http_allowed_by_environment,
)
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.policy.models import DEFAULT_TOKEN_ENV
from pulumi_dynamic_security.redaction import Secret

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient


@dataclass(frozen=True)
class Connection:
    """Where the API is and how fast we may call it; the token is resolved per stage."""

    api_url: str = DEFAULT_BASE_URL
    token_file: Path | None = None
    max_requests_per_minute: int = DEFAULT_MAX_REQUESTS_PER_MINUTE
    # Plain http to a remote API host (see `api.config.check_api_url`).
    allow_insecure_http: bool = field(default_factory=insecure_http_allowed_by_environment)

    def token(self, token_env: str = DEFAULT_TOKEN_ENV,
              environ: Mapping[str, str] | None = None) -> Secret:
        """The API token: from `token_file` when given, else from `token_env`."""
        if self.token_file is not None:
            return read_token_file(self.token_file)
        value = (environ if environ is not None else os.environ).get(token_env, "").strip()
        if not value:
            raise InputError(
                f"No Dynamic API token: the environment variable {token_env} is not set.",
                hint=f"Export {token_env} with an API token of this environment (Dynamic "
                "dashboard > Developers > API tokens), or pass --token-file PATH.",
            )
        return Secret(value)

    def client(self, token: Secret) -> DynamicClient:
        # Imported here: the HTTP stack loads only when something calls the API (the Pulumi
        # provider host's check and diff never do).
        from pulumi_dynamic_security.api.client import DynamicClient

        return DynamicClient(ClientConfig(
            token=token,
            base_url=self.api_url,
            max_requests_per_minute=self.max_requests_per_minute,
            allow_insecure_http=self.allow_insecure_http,
        ))


def read_token_file(path: Path) -> Secret:
    """The token in `path` (surrounding whitespace ignored); InputError when unusable."""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(
            f"Cannot read the token file {path} ({exc.strerror}).",
            hint="Pass a readable file holding only the API token.",
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"The token file {path} is not text.",
                         hint="Pass a file holding only the API token.") from None
    if not value or len(value.split()) != 1:
        raise InputError(
            f"The token file {path} is empty or holds more than one word.",
            hint="Put only the API token in the file.",
        )
    return Secret(value)
