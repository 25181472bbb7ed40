"""Where a provider's credentials come from, and why they never reach the state.

* **Pickled into the state.** Constructing a resource pickles its provider instance (dill)
  into the `__provider` property; the host process (`python -m pulumi.dynamic`) unpickles
  it and calls `configure()` once, then the CRUD methods. So providers have zero-argument
  constructors and live in an importable module (pickled by reference: a few dozen bytes,
  no code), and credentials exist on `self` only after `configure()`. `__getstate__` leaves
  them out, and the token is a `redaction.Secret`, which refuses to be pickled: were it ever
  to slip past `__getstate__`, serializing would fail instead of writing it to the state.
* **Credentials.** `configure()` reads the stack config `dynamic-security:apiToken` (secret)
  and `dynamic-security:apiUrl` (full keys: the namespace is not the project's), falling
  back to `DYNAMIC_API_TOKEN` / `DYNAMIC_API_URL`. A client is made per call and closed
  after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi.dynamic import ConfigureRequest

from pulumi_dynamic_security.api.config import DEFAULT_BASE_URL
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.providers.wire import config_text
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.connection import Connection

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

CONFIG_API_TOKEN = "dynamic-security:apiToken"
CONFIG_API_URL = "dynamic-security:apiUrl"
ENV_API_TOKEN = "DYNAMIC_API_TOKEN"
ENV_API_URL = "DYNAMIC_API_URL"


class Credentials:
    """A provider's credentials: set by `configure()` in the host, never pickled."""

    # Runtime-only state, never pickled. Class-level defaults, because unpickling does not
    # run __init__.
    _RUNTIME_ONLY: ClassVar[tuple[str, ...]] = ("_api_url", "_token", "_configured")
    _api_url: str | None = None
    _token: Secret | None = None
    _configured: bool = False

    # pickling: the instance travels in the state; credentials must not.
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in self._RUNTIME_ONLY}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        vars(self).update(state)

    def configure(self, req: ConfigureRequest) -> None:
        """Read the API URL and token from the stack config (full keys), else the environment."""
        config = req.config
        token = config_text(config.get(CONFIG_API_TOKEN)) or config_text(
            os.environ.get(ENV_API_TOKEN)
        )
        url = config_text(config.get(CONFIG_API_URL)) or config_text(os.environ.get(ENV_API_URL))
        self._token = Secret(token) if token else None
        self._api_url = url or DEFAULT_BASE_URL
        self._configured = True

    def _credentials(self) -> tuple[str, Secret | None]:
        if self._configured:
            return self._api_url or DEFAULT_BASE_URL, self._token
        # Not configured (a direct call, not through the host): the environment only.
        token = config_text(os.environ.get(ENV_API_TOKEN))
        url = config_text(os.environ.get(ENV_API_URL)) or DEFAULT_BASE_URL
        return url, Secret(token) if token else None

    @property
    def has_credentials(self) -> bool:
        """True when a token is configured or in the environment (so `check` goes online)."""
        return self._credentials()[1] is not None

    @property
    def auth_token_checksum(self) -> str | None:
        """The last six characters of the token this provider authenticates with."""
        token = self._credentials()[1]
        return token.checksum if token is not None else None

    @contextmanager
    def client(self) -> Iterator[DynamicClient]:
        """A client for one call, closed afterwards."""
        url, token = self._credentials()
        if token is None:
            raise InputError(
                "No Dynamic API token for the dynamic-security provider.",
                hint="Run `pulumi config set --secret dynamic-security:apiToken` in the stack "
                f"(the value is read from standard input), or export {ENV_API_TOKEN}.",
            )
        with Connection(api_url=url).client(token) as client:
            yield client
