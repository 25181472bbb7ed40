"""A resource over part of one environment's configuration (`SecuritySettings`,
`AllowedOrigins`): its id is the environment id, `create` adopts what is there and
converges it, `read` reports the live values as outputs and inputs, and `delete` leaves the
environment as it is (the component also registers these resources `retain_on_delete`, so
the engine never calls it and the CLI says `[retain]`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.base import DynamicSecurityProvider
from pulumi_dynamic_security.providers.state import id_parts
from pulumi_dynamic_security.providers.wire import compact
from pulumi_dynamic_security.service.resources import converge

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

# The inputs that describe rather than configure: a live read cannot see them, so they are
# carried over from the state.
DESCRIPTIVE_INPUTS = ("environment_id", "stage", "production", "waivers", "app", "limits")


def descriptive_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of `props` that describe rather than configure (`DESCRIPTIVE_INPUTS`),
    carried over from the state by `read`."""
    return compact({key: props.get(key) for key in DESCRIPTIVE_INPUTS})


class SettingsLikeProvider(DynamicSecurityProvider):
    """Adopted on create, read back on refresh, left as it is on delete."""

    @abstractmethod
    def live_outputs(
        self, client: DynamicClient, environment_id: str, props: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The live values of the areas `props` manages (all of them when it names none);
        None when the environment no longer exists."""

    def _converge(self, stage: EffectiveStage) -> None:
        with self.client() as client:
            converge(client, stage, auth_token_checksum=self.auth_token_checksum)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopt the environment's current configuration and converge it to the inputs."""
        def run() -> CreateResult:
            stage = self.stage_of(self.only_inputs(props))
            self._converge(stage)
            return CreateResult(stage.environment_id, self.normalized(stage))

        return self.call("create", run)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Converge the environment to the new inputs (read back and verified)."""
        def run() -> UpdateResult:
            stage = self.stage_of(self.only_inputs(news))
            self._converge(stage)
            return UpdateResult(self.normalized(stage))

        return self.call("update", run)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live values, as outputs and as inputs, so refresh shows drift; an environment
        that no longer exists reads as gone (empty id)."""
        def run() -> ReadResult:
            (environment_id,) = id_parts(
                type(self).__name__.removesuffix("Provider"), id_, props, ("environment_id",)
            )
            with self.client() as client:
                live = self.live_outputs(client, environment_id, props)
            if live is None:
                return ReadResult("", {})
            return ReadResult(environment_id, live, dict(live))

        return self.call("read", run)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Leave the live configuration as it is: deleting the resource stops managing it;
        it never resets settings or empties the origin list (which would allow every domain)."""
