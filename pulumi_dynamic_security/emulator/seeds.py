"""The starting states `demo` and `empty`, with the ids the tests and the demo rely on.

demo
    organization 0a…0001
    project 0b…0001: sandbox 0c…0001, live 0c…0002
    project 0b…0002: sandbox 0c…0003, live 0c…0004
    The live environment 0c…0002 starts insecure: origins `https://*.example.com` and
    `http://localhost:3000`, JWT 30 days, local storage, MFA off, one API token created
    400 days ago with a note no policy manages, an active `cookies` custom hostname
    `auth.example.com`, a test account (a static sign-in code, random per seed) and no
    captcha (hCaptcha off, no `captcha`). Every other environment is a sandbox-like one: origin
    `http://localhost:3000`, JWT 1 day, local storage, TOTP enabled, no tokens.
empty
    organization 0a…0001 only.

Ids of the seeded origins (0d…), token (0e…) and hostname (0f…) are stable too, though only
the ones above are part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from pulumi_dynamic_security.emulator import documents, factory
from pulumi_dynamic_security.emulator.records import Organization
from pulumi_dynamic_security.emulator.state import State, now_ms

ORGANIZATION_ID = "0a000000-0000-4000-8000-000000000001"
PROJECT_ID = "0b000000-0000-4000-8000-000000000001"
SECOND_PROJECT_ID = "0b000000-0000-4000-8000-000000000002"
SANDBOX_ID = "0c000000-0000-4000-8000-000000000001"
LIVE_ID = "0c000000-0000-4000-8000-000000000002"
SECOND_SANDBOX_ID = "0c000000-0000-4000-8000-000000000003"
SECOND_LIVE_ID = "0c000000-0000-4000-8000-000000000004"
LEGACY_TOKEN_ID = "0e000000-0000-4000-8000-000000000001"
LEGACY_TOKEN_NOTE = "legacy deploy key"
COOKIE_HOSTNAME_ID = "0f000000-0000-4000-8000-000000000001"
COOKIE_HOSTNAME = "auth.example.com"
TEST_ACCOUNT_EMAIL = "qa+dynamic_test@example.com"

DEFAULT_SEED = "demo"


def _organization(state: State) -> None:
    state.organizations[ORGANIZATION_ID] = Organization(ORGANIZATION_ID, "Demo organization")


def empty() -> State:
    """The organization alone: projects are created through the API."""
    state = State()
    _organization(state)
    return state


def demo() -> State:
    """Two projects, the first with an insecure live environment (see the module docstring)."""
    state = empty()
    created = now_ms() - timedelta(days=30)
    first = factory.create_project(
        state, organization_id=ORGANIZATION_ID, name="Demo app", project_id=PROJECT_ID,
        environment_ids=[SANDBOX_ID, LIVE_ID], now=created,
    )
    second = factory.create_project(
        state, organization_id=ORGANIZATION_ID, name="Demo app (second project)",
        project_id=SECOND_PROJECT_ID, environment_ids=[SECOND_SANDBOX_ID, SECOND_LIVE_ID],
        now=created,
    )
    origin_number = 0

    def next_origin_id() -> str:
        nonlocal origin_number
        origin_number += 1
        return f"0d000000-0000-4000-8000-{origin_number:012d}"

    for project in (first, second):
        for env_name, env_id in project.environment_ids.items():
            env = state.environments[env_id]
            if env_id == LIVE_ID:
                continue
            env.settings = documents.settings_document(
                env_name, display_name=project.name, jwt=(1, "days"),
                storage=["localstorage"], mfa_enabled_methods=["totp"],
            )
            factory.create_origin(state, env, "http://localhost:3000", origin_id=next_origin_id())

    live = state.environments[LIVE_ID]
    live.settings = documents.settings_document(
        "live", display_name=first.name, jwt=(30, "days"), storage=["localstorage"],
    )
    for value in ("https://*.example.com", "http://localhost:3000"):
        factory.create_origin(state, live, value, origin_id=next_origin_id())
    factory.create_token(
        state, live, note=LEGACY_TOKEN_NOTE,
        scopes=["environment.settings.read", "environment.settings.write"],
        created_by=factory.ADMIN_USER, created_at=now_ms() - timedelta(days=400),
        token_id=LEGACY_TOKEN_ID,
    )
    factory.create_hostname(
        state, live, hostname=COOKIE_HOSTNAME, usage="cookies", status="active",
        hostname_id=COOKIE_HOSTNAME_ID,
    )
    factory.create_test_account(live, email=TEST_ACCOUNT_EMAIL)
    return state


SEEDS: dict[str, Callable[[], State]] = {"demo": demo, "empty": empty}


def build(name: str) -> State:
    """A fresh state from the named seed. Raises KeyError for an unknown name."""
    return SEEDS[name]()
