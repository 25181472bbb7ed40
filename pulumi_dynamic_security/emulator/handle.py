"""`EmulatorHandle`: a running emulator's URLs and admin token, and helpers over its control
routes (each sends the header `X-Dynsec-Emulator: 1` and a JSON body, as the routes require).

    with running_emulator(seed="demo") as emu:
        emu.set_faults(error_rate=0.2)
        minted = emu.mint_jwt(LIVE, sub=user_id, aud="https://app.example.com")
        emu.requests()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.app import API_PREFIX, CONTROL_PREFIX
from pulumi_dynamic_security.emulator.guard import CONTROL_HEADERS
from pulumi_dynamic_security.emulator.state import iso

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class EmulatorHandle:
    """A running emulator: its URLs, its admin token, and helpers over its control routes.

    Every helper raises `httpx.HTTPStatusError` when the emulator refuses the request.
    """

    root_url: str
    token: str
    _client: httpx.Client = field(repr=False)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/api/v0`, what a Dynamic client takes as its base URL."""
        return self.root_url + API_PREFIX

    def _control(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        if body is None and method in _BODY_METHODS:
            body = {}
        response = self._client.request(method, CONTROL_PREFIX + path, json=body,
                                        headers=CONTROL_HEADERS)
        response.raise_for_status()
        return response.json() if response.content else None

    def _dict(self, method: str, path: str, body: Mapping[str, Any] | None = None
              ) -> dict[str, Any]:
        result: dict[str, Any] = self._control(method, path, body)
        return result

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first: `[{"method", "path", "status"}]`."""
        result: list[dict[str, Any]] = self._control("GET", "/requests")
        return result

    def clear_requests(self) -> None:
        self._control("DELETE", "/requests")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change faults (see `faults`); returns the active settings."""
        return self._dict("POST", "/faults", faults)

    def reset(self, seed: str = seeds.DEFAULT_SEED) -> None:
        """Fresh state from `seed`, empty request log, every fault off."""
        self._control("POST", "/reset", {"seed": seed})

    def state(self) -> dict[str, Any]:
        """The whole state as the `--state` file holds it (token digests, never raw tokens)."""
        return self._dict("GET", "/state")

    def plant_token(
        self,
        environment_id: str,
        note: str | None,
        scopes: Sequence[str],
        created_at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """Plant a token created at `created_at`; returns `{"token": {..., "rawToken"}}`,
        the create endpoint's answer."""
        when = iso(created_at) if isinstance(created_at, datetime) else created_at
        body = {"note": note, "scopes": list(scopes), "created_at": when}
        return self._dict("POST", f"/environments/{environment_id}/tokens", body)

    def set_hostname_status(
        self, environment_id: str, hostname_id: str, status: str
    ) -> dict[str, Any]:
        """Set a custom hostname's status (`active`, `pending`, `error`)."""
        return self._dict("POST",
                          f"/environments/{environment_id}/custom/hostnames/{hostname_id}",
                          {"status": status})

    def plant_test_account(self, environment_id: str, *, code: str | None = None,
                           email: str | None = None, phone: str | None = None
                           ) -> dict[str, Any]:
        """Give the environment a test account (replacing one); returns the
        `TestAccountResponse`, static sign-in code included."""
        body = {k: v for k, v in (("code", code), ("email", email), ("phone", phone)) if v}
        return self._dict("POST", f"/environments/{environment_id}/test/account", body)

    def remove_test_account(self, environment_id: str) -> None:
        """Remove the environment's test account, if it has one."""
        self._control("DELETE", f"/environments/{environment_id}/test/account")

    def create_session(self, environment_id: str, user_id: str, *,
                       ip_address: str | None = None, user_agent: str | None = None
                       ) -> dict[str, Any]:
        """A new session of `user_id` (as signing in would make); returns the `Session`."""
        body = {k: v for k, v in (("ip_address", ip_address), ("user_agent", user_agent)) if v}
        return self._dict("POST", f"/environments/{environment_id}/users/{user_id}/sessions",
                          body)

    def mint_jwt(self, environment_id: str, **request: Any) -> dict[str, Any]:
        """An end-user JWT signed by the environment's key, and the session it stands for:
        `{"jwt", "header", "claims", "session"}`. `request` is the route's body (`sub`,
        `scope`, `aud`, `ttl_seconds`, `expired`, `wrong_key`, `kid`, `claims`; see
        `emulator.jwts`)."""
        return self._dict("POST", f"/environments/{environment_id}/jwt", request)

    def rotate_key(self, environment_id: str) -> dict[str, Any]:
        """A new signing key (the old one leaves the JWKS); returns `{"key": {"id",
        "publicKey"}, "previousKeyId"}`."""
        return self._dict("POST", f"/environments/{environment_id}/keys/rotate")
