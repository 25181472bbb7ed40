"""The local Dynamic API emulator.

A Starlette app served by uvicorn that speaks the subset of Dynamic's admin and SDK API this
tool uses, under `/api/v0`, shaped as the official clients `@dynamic-labs/sdk-api@0.0.847` and
`@dynamic-labs/sdk-api-core@0.40.0` expect. Modules:

    app.py             create_app(state, ...): the ASGI app (/api/v0 and /_emulator)
    server.py          running_emulator(...) (background thread) and serve(...) (blocking)
    handle.py          EmulatorHandle: URLs, admin token, helpers over the control routes
    guard.py           body cap, the control routes' header and content type, loopback Host
    records.py         one dataclass per record Dynamic keeps
    state.py           the in-memory state, times and token digests
    persistence.py     the --state file (atomic writes, format 2, reads format 1)
    seeds.py           the `demo` and `empty` starting states, with fixed ids
    documents.py       settings documents of new environments
    factory.py         creating projects, origins, tokens, hostnames, webhooks, sessions, ...
    signing.py         per-environment RS256 keys (made on first use), JWKS, signing
    jwts.py            end-user JWTs shaped like Dynamic's (the mint control route)
    events.py          the webhook event catalogue (GET /eventTypes)
    wire.py            the JSON shapes of answers
    auth.py            bearer tokens and scopes
    validation.py      request bodies, with Dynamic's status and error codes
    settings_checks.py the settings document's checks
    errors.py          vendor-shaped error bodies
    faults.py          injected latency, errors, rate limiting, lost responses, failing writes
    gateway.py         faults and the request log around /api/v0
    routes/            one module per resource group, plus the control routes

Emulator-only additions (no Dynamic counterpart, for tests): `POST /_emulator/reset`,
`GET /_emulator/state`, `GET /_emulator/faults`, and the `seed` and `rate_window_seconds`
fault settings (see `routes.control` and `faults`).

Nothing here is imported by `dynsec --help`: import `server` (or `app`) where it is needed.
"""
