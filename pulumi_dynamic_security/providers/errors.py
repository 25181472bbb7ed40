"""The errors the component and the providers raise to the user: `pulumi.RunError`s (or a
`pulumi.InputPropertyError` for one input), each one paragraph (what, where, what to do).

How the Pulumi SDK shows them (read from its source):

* **From the program** (the component, `EnvironmentSecurity.for_stack`): the language host
  (`pulumi-language-python-exec`) prints a `RunError` as `error: <message>`, with no
  traceback; any other exception is "Program failed with an unhandled exception" followed
  by the program's traceback. So the component raises RunErrors that are also the package's
  own `DynsecError`s (`StageBlockedError`, `PolicyInputError`), for callers that catch those.
* **From a provider** (the host `python -m pulumi.dynamic`): the host turns any exception a
  provider method raises into the gRPC error the CLI prints, whatever its type. Up to SDK
  3.259 that error reads `Exception calling application: <message>`; from 3.260 the host
  puts `traceback.format_exc()` there, so the CLI shows the host's few frames and then our
  paragraph as the last line. This is why everything that can be judged before a write
  (input errors, the rules, the live rules when credentials are there) is reported by
  `check`, whose failures the CLI prints as plain lines, and why a provider error is raised
  `from None` (no chained traceback of the HTTP client behind it).
"""

from __future__ import annotations

import pulumi

from pulumi_dynamic_security.errors import DynsecError, InputError, PolicyBlockedError
from pulumi_dynamic_security.redaction import redact


class ProviderError(pulumi.RunError):
    """A failed engine call, explained in one paragraph.

    Raised instead of the library's own exception so that the engine shows our sentence
    rather than a chain of tracebacks from inside the HTTP client."""


class InvalidInputError(pulumi.InputPropertyError):
    """One input that cannot be used (`property_path`, `reason`); prints as
    `<property>: <reason>` (the SDK's class carries no message of its own)."""

    def __init__(self, property_path: str, reason: str):
        super().__init__(property_path, reason)
        self.args = (f"{property_path}: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


class StageBlockedError(PolicyBlockedError, pulumi.RunError):
    """The stage's declared policy has unwaived `error` findings (the component)."""


class PolicyInputError(InputError, pulumi.RunError):
    """The program asked for what the policy cannot give: a policy file that cannot be
    used, a stage it does not have."""


def provider_error(resource: str, action: str, exc: DynsecError) -> ProviderError:
    """`exc` as the one paragraph a provider raises, scrubbed of every registered secret
    (should a vendor message ever echo one)."""
    return ProviderError(redact(f"{resource} {action} failed: {exc.render()}"))
