"""A resource's id against its state, before `read` or `delete` act on them.

The engine hands `read` and `delete` the resource's id and its last outputs from the state
file, which anyone can edit (`pulumi stack export`, an editor, `pulumi stack import`) or an
older tool may have written. The id is what `create` answered and never changes in place (a
new environment id replaces the resource), and the outputs repeat each of its parts
(`environment_id`, then the entry `name` or the `webhook_id`). When they disagree, one of
them was edited, and acting on either could read, revoke or delete in an environment, or a
webhook, that the resource does not stand for: so nothing is sent, and the error says how to
repair the state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.providers.errors import ProviderError

_REPAIR = (
    "Nothing was sent. Restore the stack's state from before the edit (`pulumi stack "
    "import`), or drop this resource from the state with `pulumi state delete <urn>` and "
    "import or create it again."
)


def id_parts(resource: str, id_: object, props: Mapping[str, Any],
             keys: Sequence[str]) -> tuple[str, ...]:
    """The parts of `id_` (`<environment id>/<...>`, one part per name in `keys`), each of
    which the state value `props[key]` must repeat when the state has one; ProviderError
    otherwise."""
    parts = id_.split("/", len(keys) - 1) if isinstance(id_, str) else []
    if len(parts) != len(keys) or not all(parts):
        raise ProviderError(
            f"{resource} has the id {echo(id_)}, which is not "
            f"{'/'.join(f'<{key}>' for key in keys)}. {_REPAIR}"
        )
    for key, part in zip(keys, parts, strict=True):
        value = props.get(key)
        if value is not None and value not in ("", part):
            raise ProviderError(
                f"{resource} {echo(id_)}: its state says {key} {echo(value)}, but its id "
                f"says {echo(part)}; the state was edited or damaged, and acting on it could "
                f"touch what this resource does not manage. {_REPAIR}"
            )
    return tuple(parts)
