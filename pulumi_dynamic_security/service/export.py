"""`export`: an environment's live security settings as a policy file.

Every area the policy can represent is written, each by its module in the registry (never
`api_tokens`: raw values cannot be read back), with comments on live values it cannot
represent (docs/mapping.md#export). For any representable live
state, planning the exported file shows no changes. Comments quote live values, escaped as
terminal text (`escaping.text`): a line break inside one (a CR that YAML would honour) can
never end the comment and write a key of its own.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pulumi_dynamic_security import clock
from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.mapping import registry
from pulumi_dynamic_security.mapping.area import Exported
from pulumi_dynamic_security.policy.schema import MODELINE
from pulumi_dynamic_security.policy.stages import infer_production
from pulumi_dynamic_security.service.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

# Names the schema by URL at this release, so an editor finds it wherever the file is kept.
SCHEMA_COMMENT = MODELINE


def default_stage_name(environment_name: str | None) -> str:
    """`production` for a live environment, `dev` for a sandbox."""
    return "production" if environment_name == "live" else "dev"


def export_policy(client: DynamicClient, environment_id: str, stage: str | None = None) -> str:
    """Read the environment (settings, origins and webhooks: 3 GETs) and return policy YAML
    for it."""
    return render_policy(read_snapshot(client, environment_id, tokens=False, webhooks=True),
                         stage)


def render_policy(snapshot: Snapshot, stage: str | None = None) -> str:
    """Policy YAML for an environment already read (pure: no API calls)."""
    environment_id = snapshot.environment_id
    security = snapshot.security
    name = stage or default_stage_name(snapshot.environment_name)
    areas: dict[str, Exported] = {area.name: area.export(security) for area in registry.SETTINGS}
    for endpoint in registry.ENDPOINTS:
        exported = endpoint.export(snapshot.records(endpoint.name) or ())
        if exported is not None:
            areas[endpoint.name] = exported
    body = CommentedMap()
    body["environment_id"] = environment_id
    body["production"] = snapshot.environment_name == "live" or infer_production(name)
    left_out: list[str] = [
        f"{refused.read}: not exported, Dynamic refused to read them (403; the token lacks "
        f"{refused.scope})" for refused in snapshot.refused
    ]
    for key, exported in areas.items():
        comments = [text(comment) for comment in exported.comments]
        if exported.value is None:
            left_out.extend(f"{key}: {comment}" for comment in comments)
            continue
        body[key] = _yaml_value(exported.value)
        if comments:
            body.yaml_set_comment_before_after_key(key, before="\n".join(comments), indent=4)
    if left_out:
        body.yaml_set_comment_before_after_key("environment_id", before="\n".join(left_out),
                                               indent=4)
    document = CommentedMap()
    document["version"] = 1
    document["stages"] = CommentedMap({name: body})
    header = "\n".join([
        SCHEMA_COMMENT,
        f"Exported by dynsec {__version__} from environment {environment_id} "
        f"({text(snapshot.environment_name or 'unknown kind')}) at "
        f"{clock.timestamp(clock.utc_now())}.",
        "api_tokens are not exported: Dynamic never shows a token's raw value again. Add",
        "entries to rotate tokens from now on (see `dynsec rules`, DS501).",
    ])
    document.yaml_set_start_comment(header)
    stream = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    yaml.dump(document, stream)
    return stream.getvalue()


def _yaml_value(value: Any) -> Any:
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _yaml_value(item)
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_yaml_value(item) for item in value)
        if all(isinstance(item, str) and "://" not in item for item in value):
            sequence.fa.set_flow_style()  # short lists of names read best inline
        return sequence
    return value
