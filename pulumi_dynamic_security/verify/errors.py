"""What a verification can end in besides the claims: a rejection, naming the check that
failed, or keys that could not be had (a different answer: 503, not 401)."""

from __future__ import annotations

from pulumi_dynamic_security.errors import DynamicApiError

# The checks of `DynamicJwtVerifier.verify`, in the order it runs them (the first that fails
# is the one named), then `check_session`'s.
CHECKS: tuple[str, ...] = (
    "malformed",      # three base64url segments of JSON, within the size bound
    "algorithm",      # RS256 only: `none`, HS* and every other alg refused before any key
    "unknown_key",    # the header's kid is in the environment's JWKS
    "signature",      # RS256 over the first two segments, with that key
    "expired",        # exp, with the leeway
    "not_yet_valid",  # nbf and iat not in the future, with the leeway
    "issuer",         # iss is <allowed host>/<environment id>
    "environment",    # environment_id is the verifier's
    "subject",        # sub and sid present
    "audience",       # aud among the audiences (the stage's origins), when there are some
    "scope",          # user:basic in scope
    "mfa_pending",    # requiresAdditionalAuth in scope, unless allow_mfa_pending
)
SESSION_CHECK = "revoked"  # check_session: the session was revoked (or is unknown)

_DEFAULT_MESSAGES = {
    "malformed": "the token is not a compact JWT",
    SESSION_CHECK: "the session this token stands for was revoked",
}


class JwtRejected(Exception):
    """The token is refused; `check` names the check that failed (one of `CHECKS`, or
    `revoked`). The message says which and why; it never holds the token."""

    def __init__(self, check: str, message: str | None = None) -> None:
        self.check = check
        self.message = message or _DEFAULT_MESSAGES.get(check, f"the {check} check failed")
        super().__init__(check, self.message)

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"

    def __repr__(self) -> str:
        return f"JwtRejected({self.check!r}, {self.message!r})"


class JwksUnavailable(DynamicApiError):
    """The environment's signing keys could not be fetched: nothing can be verified now.

    Not a verdict on the token: a backend answers 503 (try again), not 401. The CLI shows it
    as an API failure (exit 4). `problem` is what went wrong, in a few words."""

    def __init__(self, message: str, *, hint: str | None = None,
                 problem: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problem = problem or message
