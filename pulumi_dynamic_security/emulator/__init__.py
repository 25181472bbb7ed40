"""The local Dynamic API emulator (SPEC §7).

A Starlette app served by uvicorn that speaks the subset of Dynamic's admin API this tool
uses, under `/api/v0`, shaped as the official client `@dynamic-labs/sdk-api@0.0.847`
expects. Modules:

    app.py        create_app(state, ...): the ASGI app (/api/v0 and /_emulator)
    server.py     running_emulator(...) (background thread) and serve(...) (blocking)
    state.py      in-memory state and the --state file (atomic writes)
    seeds.py      the `demo` and `empty` starting states, with fixed ids
    documents.py  settings documents of new environments
    factory.py    creating projects, origins, tokens, hostnames
    wire.py       the JSON shapes of answers
    auth.py       bearer tokens and scopes
    validation.py request checks with Dynamic's status and error codes
    errors.py     vendor-shaped error bodies
    faults.py     injected latency, errors, rate limiting, lost responses, failing writes
    gateway.py    faults and the request log around /api/v0
    routes/       one module per resource group, plus the control routes

Emulator-only additions (no Dynamic counterpart, for tests): `POST /_emulator/reset`,
`GET /_emulator/state`, `GET /_emulator/faults`, and the `seed` and `rate_window_seconds`
fault settings (see `routes.control` and `faults`).

Nothing here is imported by `dynsec --help`: import `server` (or `app`) where it is needed.
"""
