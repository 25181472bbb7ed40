"""The status -> exception mapping: classes, messages that say what to do, no secrets."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.api import errors, routes
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.redaction import Secret
from tests.support.ids import SANDBOX


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, errors.UnauthorizedError),
        (403, errors.ForbiddenError),
        (404, errors.NotFoundError),
        (400, errors.InvalidRequestError),
        (422, errors.InvalidRequestError),
        (429, errors.RateLimitedError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (405, errors.UnexpectedResponseError),
        (302, errors.UnexpectedResponseError),
    ],
)
def test_each_status_has_its_class_and_exit_code_4(status: int, cls: type[Exception]) -> None:
    route = routes.GET_ENVIRONMENT
    error = errors.error_for_status(route, route.path(environment_id=SANDBOX), status)
    assert type(error) is cls
    assert isinstance(error, DynamicApiError)
    assert error.exit_code is ExitCode.API_FAILURE
    assert error.method == "GET"
    assert error.route == f"/environments/{SANDBOX}"
    assert error.status == status
    assert f"GET /environments/{SANDBOX}" in str(error)


def test_401_points_at_the_token_sources() -> None:
    route = routes.LIST_ORIGINS
    error = errors.error_for_status(route, route.path(environment_id=SANDBOX), 401, detail="nope")
    text = str(error)
    assert "DYNAMIC_API_TOKEN" in text and "token_env" in text and "--token-file" in text
    assert error.detail == "nope"
    assert text.index("401") < text.index("Dynamic said: nope") < text.index("DYNAMIC_API_TOKEN")


@pytest.mark.parametrize(
    ("route", "scope"),
    [
        (routes.GET_ENVIRONMENT, "environment.settings.read"),
        (routes.UPDATE_SETTINGS, "environment.settings.write"),
        (routes.LIST_ORIGINS, "environment.settings.read"),
        (routes.ADD_ORIGIN, "environment.settings.write"),
        (routes.DELETE_ORIGIN, "environment.settings.write"),
        (routes.LIST_TOKENS, "environment.apiTokens.read"),
        (routes.CREATE_TOKEN, "environment.apiTokens.write"),
        (routes.DELETE_TOKEN, "environment.apiTokens.write"),
        (routes.REVOKE_USER_SESSIONS, "environment.users.write"),
    ],
)
def test_403_names_the_scope_the_route_needs(route: routes.Route, scope: str) -> None:
    path = route.template  # the placeholders are fine for a message test
    error = errors.error_for_status(route, path, 403)
    assert isinstance(error, errors.ForbiddenError)
    assert error.required_scope == scope
    assert f"lacks scope {scope}" in str(error)


def test_403_on_an_organization_route_asks_for_the_admin_token() -> None:
    route = routes.CREATE_PROJECT
    error = errors.error_for_status(route, route.template, 403)
    assert isinstance(error, errors.ForbiddenError)
    assert error.required_scope is None
    assert "organization (admin) token" in str(error)


def test_422_carries_dynamics_code_and_our_hint() -> None:
    route = routes.ADD_ORIGIN
    error = errors.error_for_status(
        route, route.path(environment_id=SANDBOX), 422,
        code="invalid_cors_origins", detail="Invalid origin",
    )
    assert isinstance(error, errors.InvalidRequestError)
    assert error.code == "invalid_cors_origins"
    assert "422 invalid_cors_origins" in str(error)
    assert "scheme://host[:port]" in str(error)


def test_5xx_on_a_write_says_the_outcome_is_unknown() -> None:
    route = routes.CREATE_PROJECT
    error = errors.error_for_status(route, route.template, 502, attempts=1, outcome_unknown=True)
    assert isinstance(error, errors.ServerError)
    assert error.outcome_unknown
    assert "may or may not have been applied" in str(error)
    assert "plan again" in str(error)


def test_retries_are_counted_in_the_message() -> None:
    route = routes.GET_ENVIRONMENT
    error = errors.error_for_status(route, route.template, 429, attempts=4)
    assert "after 4 attempts" in str(error)
    assert "--max-requests-per-minute" in str(error)


def test_vendor_text_is_redacted_and_clipped() -> None:
    canary = Secret("dyn_CANARYvendorEcho0123456789")
    route = routes.GET_ENVIRONMENT
    error = errors.error_for_status(
        route, route.template, 400, detail=f"bad token {canary.reveal()} " + "x" * 1000
    )
    assert canary.reveal() not in str(error)
    assert error.detail is not None and len(error.detail) <= 300


def test_transport_error_says_what_the_network_did() -> None:
    route = routes.GET_ENVIRONMENT
    error = errors.transport_error(
        route, route.path(environment_id=SANDBOX), "could not connect to 127.0.0.1:9", attempts=3
    )
    assert isinstance(error, errors.TransportError)
    assert error.status is None
    assert "could not connect to 127.0.0.1:9 after 3 attempts" in str(error)
    assert "DYNAMIC_API_URL" in str(error)


def test_errors_survive_pickling_for_process_pools() -> None:
    import pickle

    route = routes.ADD_ORIGIN
    error = errors.error_for_status(
        route, route.path(environment_id=SANDBOX), 422, code="duplicate_exists", detail="exists"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.InvalidRequestError
    assert (copy.code, copy.route, copy.detail, str(copy)) == (
        error.code, error.route, error.detail, str(error)
    )
