"""The API token and raw tokens appear in no log, exception, traceback or repr."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api import errors
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig, RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from pulumi_dynamic_security.redaction import Secret
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

pytestmark = pytest.mark.slow

CANARY = "dyn_CANARYadminTokenDoNotPrint4242"
RETRY = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_cap=0.01)


@pytest.fixture(scope="module")
def canary_emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(seed="demo", token=CANARY) as handle:
        yield handle


def everything_printed(error: BaseException) -> str:
    return "\n".join(
        [str(error), repr(error), "".join(traceback.format_exception(error)),
         getattr(error, "detail", None) or ""]
    )


def test_no_token_in_logs_errors_or_reprs(
    canary_emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    emu = canary_emulator
    emu.reset("demo")
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    config = ClientConfig(token=Secret(CANARY), base_url=emu.base_url, retry=RETRY)
    printed: list[str] = [repr(config), str(config)]
    with DynamicClient(config) as client:
        printed += [repr(client), str(client)]
        env = client.get_environment(LIVE)
        printed.append(repr(env))
        created = client.create_token(SANDBOX, "dynsec:canary:20260101T000000Z",
                                      ["environment.settings.read"])
        raw = created.raw_token.reveal()
        printed += [repr(created), str(created.model_dump()), created.model_dump_json()]
        with pytest.raises(errors.NotFoundError) as not_found:
            client.get_environment(UNKNOWN_ENVIRONMENT)
        emu.set_faults(error_rate=1.0)
        with pytest.raises(errors.ServerError) as server_error:
            client.list_tokens(SANDBOX)
        emu.set_faults(error_rate=0)
        printed += [everything_printed(not_found.value), everything_printed(server_error.value)]

    # The token just issued, used as a credential without the scope it needs.
    limited = ClientConfig(token=Secret(raw), base_url=emu.base_url, retry=RETRY)
    with DynamicClient(limited) as client, pytest.raises(errors.ForbiddenError) as forbidden:
        client.update_settings(SANDBOX, env.settings)
    printed.append(everything_printed(forbidden.value))
    wrong = ClientConfig(token=Secret(CANARY + "x"), base_url=emu.base_url, retry=RETRY)
    with DynamicClient(wrong) as client, pytest.raises(errors.UnauthorizedError) as unauthorized:
        client.get_environment(LIVE)
    printed.append(everything_printed(unauthorized.value))

    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert "attempt 1/2" in logs  # the trace is there...
    assert "***" not in logs  # ...with nothing that even needed scrubbing...
    for text in [logs, *printed]:
        assert CANARY not in text  # ...and no credential anywhere
        assert raw not in text
        assert "CANARY" not in text
