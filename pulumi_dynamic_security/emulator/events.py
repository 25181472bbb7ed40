"""The webhook event catalogue that `GET /eventTypes` answers (`EventType[]`).

A fixed list: the events Dynamic's documentation names, with its descriptions shortened.
Webhook creates and updates accept only these names (422 otherwise), as Dynamic checks them
against the same catalogue.
"""

from __future__ import annotations

EVENT_TYPES: tuple[tuple[str, str], ...] = (
    ("ping", "A test event sent when a webhook is registered"),
    ("user.created", "A user signed up"),
    ("user.updated", "A user's profile changed"),
    ("user.deleted", "A user was deleted"),
    ("user.merged", "Two users were merged into one"),
    ("user.session.created", "A user signed in and a session started"),
    ("user.session.revoked", "A user's session was revoked"),
    ("admin.user.session.revoked", "An administrator revoked a user's session"),
    ("user.social.linked", "A social account was linked to a user"),
    ("user.social.unlinked", "A social account was unlinked from a user"),
    ("user.passkeyRecovery.started", "A user started passkey recovery"),
    ("user.passkeyRecovery.completed", "A user completed passkey recovery"),
    ("wallet.created", "An embedded wallet was created"),
    ("wallet.linked", "A wallet was linked to a user"),
    ("wallet.unlinked", "A wallet was unlinked from a user"),
    ("visit.created", "A visitor connected a wallet without signing in"),
)
EVENT_NAMES = frozenset(name for name, _ in EVENT_TYPES)


def catalogue() -> list[dict[str, str]]:
    """The answer of `GET /eventTypes`, in catalogue order."""
    return [{"name": name, "description": description} for name, description in EVENT_TYPES]
