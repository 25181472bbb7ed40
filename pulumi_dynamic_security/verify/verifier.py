"""`DynamicJwtVerifier`: Dynamic's end-user JWTs checked the way a backend must (the
README's "Protecting your backend" says why each check is there).

    verifier = DynamicJwtVerifier.from_policy("dynamic-security.yaml", stage="production")
    claims = verifier.verify(token)          # VerifiedClaims, or raises JwtRejected
    verifier.check_session(claims, client)   # optional: refuse a revoked session

`verify` runs the checks of `errors.CHECKS` in that order and raises `JwtRejected` naming
the first that fails; the algorithm is checked before any key is looked up, so `none`, HS*
(an HMAC "signed" with the public key) and every other alg are refused without touching the
keys. The `jku`, `x5u`, `jwk` and `x5c` headers are never followed: keys come only from the
environment's JWKS at the configured API URL. A header listing `crit` extensions is
refused, as RFC 7515 asks of a verifier that knows none.

Issuers: Dynamic's `iss` is `<API host>/<environment id>` with no scheme
(`app.dynamicauth.com/<id>`; `app.dynamic.xyz/<id>` on the older host; the host and port the
emulator was reached at, for the emulator; a custom hostname's when one serves the SDK, which
then has to be listed in `issuer_hosts`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard
from urllib.parse import urlsplit

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.verify.errors import JwtRejected
from pulumi_dynamic_security.verify.keys import KeyCache
from pulumi_dynamic_security.verify.tokens import VerifiedClaims, split

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.models import Session

DEFAULT_API_URL = "https://app.dynamicauth.com/api/v0"
DYNAMIC_ISSUER_HOSTS = ("app.dynamic.xyz", "app.dynamicauth.com")
ALGORITHM = "RS256"
BASIC_SCOPE = "user:basic"
MFA_PENDING_SCOPE = "requiresAdditionalAuth"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SessionReader(Protocol):
    """What `check_session` needs of a client (`api.client.DynamicClient` has it)."""

    def get_session(self, user_id: str, session_id: str) -> Session: ...


class DynamicJwtVerifier:
    """Verifies Dynamic end-user JWTs of one environment (see the module docstring).

    `audiences`: the origins a token's `aud` must be among (a `*` in one matches as Dynamic
    matches its allowed origins: `[a-z0-9.-]*`); None skips the audience check.
    `issuer_hosts`: the hosts an `iss` may name; default the API URL's host (with its port,
    when not the scheme's default) plus Dynamic's two. Thread-safe; share one per process.
    """

    def __init__(
        self,
        environment_id: str,
        *,
        api_url: str = DEFAULT_API_URL,
        issuer_hosts: Iterable[str] | None = None,
        audiences: Iterable[str] | None = None,
        leeway_seconds: float = 30,
        refetch_interval_seconds: float = 60,
        allow_mfa_pending: bool = False,
        timeout_seconds: float = 5,
    ) -> None:
        if not isinstance(environment_id, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,64}",
                                                                   environment_id):
            raise InputError(f"The environment id {echo(environment_id)} is not an id.",
                             hint="Pass the environment's id (a uuid) from the dashboard.")
        for name, value in (("leeway_seconds", leeway_seconds),
                            ("refetch_interval_seconds", refetch_interval_seconds),
                            ("timeout_seconds", timeout_seconds)):
            if not isinstance(value, (int, float)) or not 0 <= value < 86_400:
                raise ValueError(f"{name} must be a number of seconds from 0 to a day")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        base, api_host = _api_base(api_url)
        if isinstance(issuer_hosts, str):
            issuer_hosts = (issuer_hosts,)
        if isinstance(audiences, str):
            audiences = (audiences,)
        hosts = (api_host, *DYNAMIC_ISSUER_HOSTS) if issuer_hosts is None else tuple(
            _issuer_host(h) for h in issuer_hosts)
        self.environment_id = environment_id
        self.api_url = base
        self.issuers = frozenset(f"{host}/{environment_id}" for host in hosts)
        self.audiences = None if audiences is None else tuple(audiences)
        self._exact, self._patterns = _audience_matchers(self.audiences or ())
        self.leeway_seconds = float(leeway_seconds)
        self.allow_mfa_pending = allow_mfa_pending
        self._keys = KeyCache(f"{base}/sdk/{environment_id}/.well-known/jwks",
                              environment_id=environment_id,
                              refetch_interval=float(refetch_interval_seconds),
                              timeout=float(timeout_seconds))

    @classmethod
    def from_policy(cls, path: str | Path, *, stage: str, **options: Any) -> DynamicJwtVerifier:
        """The verifier of one stage of a policy file: its environment id, and its allowed
        origins as the audiences (unless `audiences=` is given). `options` are the
        constructor's keywords. InputError (PolicyFileError) for a policy that does not load
        or a stage with no allowed origins."""
        from pulumi_dynamic_security.policy.loader import SecurityPolicy

        effective = SecurityPolicy.load(path).stage(stage)
        if "audiences" not in options:
            if not effective.allowed_origins:
                raise InputError(
                    f"Stage {stage!r} of {path} declares no allowed_origins, so the verifier "
                    "cannot know which sites a token may be issued to.",
                    hint="Declare the stage's allowed_origins, or pass audiences=[...] "
                    "(None to skip the audience check).",
                )
            options["audiences"] = effective.allowed_origins
        return cls(effective.environment_id, **options)

    # -- verification ---------------------------------------------------------------------------

    def verify(self, token: str | bytes) -> VerifiedClaims:
        """The token's claims, if every check passes; else JwtRejected naming the check.
        JwksUnavailable when the keys cannot be fetched (not a verdict: answer 503)."""
        header, claims, signed, signature = split(token)
        if "crit" in header:
            raise JwtRejected("malformed", "the header lists crit extensions")
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise JwtRejected("algorithm", f"alg {echo(alg)} is not {ALGORITHM}, the only "
                              "algorithm Dynamic signs with")
        key = self._keys.get(header.get("kid"))
        if not key.verify(signature, signed):
            raise JwtRejected("signature", f"the signature does not verify with key "
                              f"{echo(key.kid)} of environment {self.environment_id}")
        scopes = self._check_claims(claims)
        return VerifiedClaims(claims, scopes)

    def _check_claims(self, claims: dict[str, Any]) -> frozenset[str]:
        now = time.time()
        leeway = self.leeway_seconds
        exp = claims.get("exp")
        if not _is_number(exp):
            raise JwtRejected("expired", "the token has no numeric exp: it would never expire")
        if exp <= now - leeway:
            raise JwtRejected("expired", f"the token expired {now - exp:.0f} s ago (leeway "
                              f"{leeway:g} s)")
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is not None and (not _is_number(value) or value > now + leeway):
                raise JwtRejected("not_yet_valid", f"{name} is not a time up to "
                                  f"{leeway:g} s from now")
        iss = claims.get("iss")
        if iss not in self.issuers:
            raise JwtRejected("issuer", f"iss {echo(iss)} is not <allowed host>/"
                              f"{self.environment_id} (allowed: {', '.join(sorted(self.issuers))})")
        if claims.get("environment_id") != self.environment_id:
            raise JwtRejected("environment", f"environment_id {echo(claims.get('environment_id'))}"
                              f" is not {self.environment_id}")
        for name in ("sub", "sid"):
            value = claims.get(name)
            if not isinstance(value, str) or not value:
                raise JwtRejected("subject", f"the token has no {name}")
        if self.audiences is not None:
            self._check_audience(claims.get("aud"))
        scope = claims.get("scope")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        if BASIC_SCOPE not in scopes:
            raise JwtRejected("scope", f"scope does not hold {BASIC_SCOPE}: the user has not "
                              "completed authentication")
        if MFA_PENDING_SCOPE in scopes and not self.allow_mfa_pending:
            raise JwtRejected("mfa_pending", f"scope holds {MFA_PENDING_SCOPE}: the user "
                              "still has to pass MFA")
        return scopes

    def _check_audience(self, aud: object) -> None:
        values = aud if isinstance(aud, list) else [aud]
        for value in values:
            if isinstance(value, str):
                origin = value.lower()
                if origin in self._exact or any(p.fullmatch(origin) for p in self._patterns):
                    return
        raise JwtRejected("audience", f"aud {echo(aud)} is not among the "
                          f"{len(self.audiences or ())} allowed origin(s)")

    def check_session(self, claims: VerifiedClaims, client: SessionReader) -> None:
        """Refuse (JwtRejected `revoked`) a token whose session Dynamic has revoked, or does
        not know, with one read (`GET /users/{sub}/sessions/{sid}`) by an API client of the
        environment (scope `environment.users.read`). API failures raise as the client's
        errors (exit 4 / answer 503)."""
        from pulumi_dynamic_security.api.errors import NotFoundError
        from pulumi_dynamic_security.api.routes import UnsafeIdError

        subject, session_id = claims["sub"], claims["sid"]
        try:
            session = client.get_session(subject, session_id)
        except UnsafeIdError:
            raise JwtRejected("subject", "sub or sid cannot be looked up (not an id)") from None
        except NotFoundError:
            raise JwtRejected("revoked", f"Dynamic knows no session {echo(session_id)} of "
                              f"user {echo(subject)}") from None
        if session.revoked_at is not None:
            raise JwtRejected("revoked", f"session {echo(session_id)} was revoked at "
                              f"{session.revoked_at.isoformat()}")

    def fetch_keys(self) -> int:
        """Fetch the JWKS now (e.g. at start-up, so the first request does not wait for it);
        how many keys it holds. JwksUnavailable when it cannot be had."""
        return self._keys.refresh()

    def close(self) -> None:
        """Close the connection the JWKS was fetched over."""
        self._keys.close()

    def __enter__(self) -> DynamicJwtVerifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DynamicJwtVerifier({self.environment_id!r}, api_url={self.api_url!r})"


def _is_number(value: object) -> TypeGuard[float]:
    """A finite JSON number (JSON has no NaN, but Python's parser reads one; nor a bound on
    an integer's digits, and one past any float is no time)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large to be a float
        return False


def _api_base(api_url: str) -> tuple[str, str]:
    """The API URL without a trailing slash, and the issuer host it implies. InputError for
    a URL the keys must not come from: not http(s), user info, a query, or plain http to a
    host other than this machine (whoever sits on the path could swap the keys)."""
    from pulumi_dynamic_security.api.config import display_url, is_loopback_host

    try:
        parts = urlsplit(api_url.strip()) if isinstance(api_url, str) else None
        port = parts.port if parts is not None else None
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in _DEFAULT_PORTS or not parts.hostname
            or "@" in parts.netloc or parts.query or parts.fragment):
        raise InputError(f"The API URL {display_url(str(api_url))} is not an http(s) URL "
                         "with a host and a path.", hint=f"For Dynamic: {DEFAULT_API_URL}.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InputError(
            f"The API URL {display_url(api_url)} is plain http to another machine: whoever "
            "sits on the network path could serve their own signing keys.",
            hint="Use https:// (plain http only to a local emulator).",
        )
    host = parts.netloc.lower()
    if port is not None and port == _DEFAULT_PORTS[parts.scheme]:
        host = host.rsplit(":", 1)[0]  # Dynamic's `iss` never names the default port
    return api_url.strip().rstrip("/"), host


def _issuer_host(text: str) -> str:
    """`host[:port]` as an `iss` names it (lower-case; a scheme or path given is dropped)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("issuer_hosts must be host names such as app.dynamicauth.com")
    value = text.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    return value.split("/", 1)[0]


def _audience_matchers(
    origins: Sequence[str],
) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Exact origins, and a pattern per origin with a `*` (which Dynamic reads as any run of
    `[a-z0-9.-]`, anchored at both ends)."""
    exact = frozenset(o.lower() for o in origins if "*" not in o)
    patterns = tuple(
        re.compile("[a-z0-9.-]*".join(re.escape(part) for part in o.lower().split("*")))
        for o in origins if "*" in o
    )
    return exact, patterns
