"""Incident response: revoke end users' sessions, lock or unlock an environment.

What the CLI's `sessions revoke`, `lock` and `unlock` call (and what a runbook script may
call). Each result says what was done, when, and with which credential (its checksum, the
token's last six characters, which is how Dynamic names a token: never the token).

* **Revoking** one user's sessions is `POST /environments/{id}/users/{userId}/sessions/revoke`
  (done when it answers); every session of the environment is the newer
  `POST /environments/{id}/users/sessions/revoke`, which Dynamic queues (202) and carries
  out shortly after. Either way the JWTs already issued stay valid until they expire: a
  backend refuses them at once only through `DynamicJwtVerifier.check_session`.
* **Locking** sets `security.environmentLocked`, which makes Dynamic refuse every SDK request
  of the environment, so every sign-in stops (JWTs already issued still verify: the JWKS stays
  up). The settings document is read, that one key changed, everything else PUT back exactly
  as read, and the document read back to check the key. Locking a locked environment (or
  unlocking an unlocked one) writes nothing and is not an error: in an incident, running the
  command twice must be safe. When a confirmation was asked, the document is read again after
  it, so an edit made while the prompt waited is not overwritten. plan and apply never write
  this key (`mapping/` manages none of it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.redaction import Secret

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

LOCK_KEY = "environmentLocked"


@dataclass(frozen=True)
class Revocation:
    """What `revoke_sessions` did."""

    environment_id: str
    user_id: str | None  # None: every user of the environment
    queued: bool  # True: Dynamic accepted it (202) and revokes them shortly after
    at: datetime
    credential_checksum: str
    message: str | None = None  # Dynamic's own words, if it sent some (untrusted text)


@dataclass(frozen=True)
class LockChange:
    """What `set_lock` did; `changed` is False when the environment already was so."""

    environment_id: str
    locked: bool
    changed: bool
    at: datetime
    credential_checksum: str


def revoke_sessions(client: DynamicClient, environment_id: str, *, user_id: str | None,
                    credential: Secret) -> Revocation:
    """Revoke every session of `user_id`, or of every user when it is None."""
    if user_id is not None:
        client.revoke_user_sessions(environment_id, user_id)
        return Revocation(environment_id, user_id, False, clock.utc_now(), credential.checksum)
    message = client.revoke_all_sessions(environment_id)
    return Revocation(environment_id, None, True, clock.utc_now(), credential.checksum, message)


def is_locked(settings: dict[str, Any]) -> bool:
    """Whether a settings document locks the environment (only a literal `true` does)."""
    security = settings.get("security")
    return isinstance(security, dict) and security.get(LOCK_KEY) is True


def set_lock(client: DynamicClient, environment_id: str, *, locked: bool, credential: Secret,
             confirm: Callable[[], None] | None = None) -> LockChange:
    """Set `security.environmentLocked` to `locked` and nothing else (see the module
    docstring). `confirm` is called before the write, only when there is one to make; it
    aborts by raising. ChangeNotKeptError (exit 4) when reading back shows the key unchanged.
    """
    from pulumi_dynamic_security.service.apply import ChangeNotKeptError

    document = client.get_environment(environment_id).settings_copy()
    if is_locked(document) == locked:
        return LockChange(environment_id, locked, False, clock.utc_now(), credential.checksum)
    if confirm is not None:
        confirm()
        document = client.get_environment(environment_id).settings_copy()
        if is_locked(document) == locked:  # someone else did it while we asked
            return LockChange(environment_id, locked, False, clock.utc_now(),
                              credential.checksum)
    security = document.setdefault("security", {})
    if not isinstance(security, dict):
        raise DynamicApiError(
            f"The settings document of environment {environment_id} holds a `security` that "
            "is not an object; nothing was written (writing one would replace it).",
            hint="Look at the environment's security settings in the Dynamic dashboard.",
        )
    security[LOCK_KEY] = locked
    client.update_settings(environment_id, document)
    if is_locked(client.get_environment(environment_id).settings) != locked:
        raise ChangeNotKeptError(
            f"Dynamic accepted the write, but environment {environment_id} reads back "
            f"{'unlocked' if locked else 'locked'}.",
            hint="Check the environment's security settings in the Dynamic dashboard, then "
            "run the command again.",
        )
    return LockChange(environment_id, locked, True, clock.utc_now(), credential.checksum)
