"""Options shared by several commands, declared once.

The API options (`--api-url`, `--allow-insecure-http`, `--token-file`,
`--max-requests-per-minute`, `--debug`) are written after the subcommand (`dynsec plan
--debug ...`) on every command that talks to the API. Credentials are never taken as a
command-line value: only from an environment variable or a file. The API URL is checked
before the command runs (`api.config.check_api_url`), so a refused URL never sees a request.

`plan` and `drift` also share the options of a pull-request report (`--base-policy`,
`--link-base`; `drift` `--max-chars`), and `drift` and `apply` `--quiet` (no progress on
stderr).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import click

from pulumi_dynamic_security.api.config import (
    ALLOW_INSECURE_HTTP_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    check_api_url,
    insecure_http_warning,
)
from pulumi_dynamic_security.cli import debug

if TYPE_CHECKING:
    from pulumi_dynamic_security.service.connection import Connection
    from pulumi_dynamic_security.service.plan import BasePolicy

F = TypeVar("F", bound=Callable[..., Any])

# A markdown report stops before this many characters: under GitHub's 65,536 for a comment,
# with room for what a CI job adds around it (docs/cli.md#markdown).
DEFAULT_MAX_CHARS = 60_000


@dataclass(frozen=True)
class ApiOptions:
    """How to reach the API, as the user asked on the command line or in the environment."""

    api_url: str
    token_file: Path | None
    max_requests_per_minute: int
    allow_insecure_http: bool = False

    def connection(self) -> Connection:
        """The `Connection` these options describe (imported here: `--help` stays light)."""
        from pulumi_dynamic_security.service.connection import Connection

        return Connection(self.api_url, self.token_file, self.max_requests_per_minute,
                          allow_insecure_http=self.allow_insecure_http)


def _enable_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        debug.enable()
    return value


debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_enable_debug,
    help="Show tracebacks and HTTP traces (secrets are redacted).",
)


def api_options(func: F) -> F:
    """Add the API options and pass them to the command as `api: ApiOptions`."""

    @click.option(
        "--api-url",
        envvar="DYNAMIC_API_URL",
        show_envvar=True,
        default=DEFAULT_BASE_URL,
        show_default=True,
        help="Base URL of Dynamic's admin API: https://, or http:// to this machine only.",
    )
    @click.option(
        "--allow-insecure-http",
        envvar=ALLOW_INSECURE_HTTP_ENV,
        show_envvar=True,
        is_flag=True,
        help="Allow an http:// API URL to another host (the token then crosses the network "
        "unencrypted; a warning is printed).",
    )
    @click.option(
        "--token-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Read the API token from this file instead of the stage's environment variable "
        "(DYNAMIC_API_TOKEN unless the stage sets token_env).",
    )
    @click.option(
        "--max-requests-per-minute",
        envvar="DYNSEC_MAX_REQUESTS_PER_MINUTE",
        show_envvar=True,
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_REQUESTS_PER_MINUTE,
        show_default=True,
        help="Request budget: at most N requests in any rolling 60 seconds (bursts allowed).",
    )
    @debug_option
    @functools.wraps(func)
    def wrapper(
        *args: Any, api_url: str, allow_insecure_http: bool, token_file: Path | None,
        max_requests_per_minute: int, **kwargs: Any,
    ) -> Any:
        checked = check_api_url(api_url, allow_insecure_http=allow_insecure_http)
        if checked.insecure:
            click.echo(insecure_http_warning(api_url), err=True)
        api = ApiOptions(checked.url, token_file, max_requests_per_minute, allow_insecure_http)
        return func(*args, api=api, **kwargs)

    return wrapper  # type: ignore[return-value]


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """`-f`/`--format` restricted to `choices`."""
    return click.option(
        "-f",
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def stage_option(*, help: str, multiple: bool = False, required: bool = False,
                 metavar: str = "S") -> Callable[[F], F]:
    """`-s`/`--stage`: a stage of the policy named on the command line (its names complete
    in the shell). `multiple` passes a tuple as `stages`, else one name as `stage`."""
    return click.option(
        "-s",
        "--stage",
        "stages" if multiple else "stage",
        multiple=multiple,
        required=required,
        metavar=metavar,
        help=help,
        shell_complete=complete_stage,
    )


def output_option(*, help: str, name: str = "output", aliases: tuple[str, ...] = (),
                  metavar: str = "FILE") -> Callable[[F], F]:
    """`-o`/`--output FILE` (and `aliases`, e.g. `--out`), passed as `name`."""
    return click.option(
        *aliases,
        "-o",
        "--output",
        name,
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar=metavar,
        help=help,
    )


policy_argument = click.argument(
    "policy", type=click.Path(dir_okay=False, path_type=Path), metavar="POLICY"
)


# --- shell completion ------------------------------------------------------------------------

# A file larger than this is not read to complete a stage name (a policy of a thousand stages
# is a few hundred kilobytes): completion must answer at once.
_COMPLETION_MAX_BYTES = 1024 * 1024


def complete_stage(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """The stage names of the policy file(s) named earlier on the command line that start
    with `incomplete`, leaving out those already given. Quiet and bounded: a file that is
    missing, large, not a regular file or not readable as YAML completes nothing, and
    nothing is ever printed or raised."""
    from click.shell_completion import CompletionItem

    try:
        named = ctx.params.get("policy") or ctx.params.get("policies")
        if named is None:  # parsing stopped at the option being completed: the words left
            named = [word for word in ctx.args if not word.startswith("-")]
        paths = [named] if isinstance(named, Path) else list(named)
        given = set(ctx.params.get("stages") or ())
        names: dict[str, None] = {}
        for path in paths:
            names.update(dict.fromkeys(_stage_names(Path(path))))
        return [CompletionItem(name) for name in names
                if name.startswith(incomplete) and name not in given]
    except Exception:  # completion never fails loudly
        return []


def _stage_names(path: Path) -> list[str]:
    import re
    import stat

    from pulumi_dynamic_security.policy.models import STAGE_NAME_PATTERN
    from pulumi_dynamic_security.policy.source import read_source

    try:
        info = path.stat()
    except OSError:
        return []
    if not stat.S_ISREG(info.st_mode) or info.st_size > _COMPLETION_MAX_BYTES:
        return []  # a pipe or a device could block; a huge file would be slow
    stages = read_source(path).data.get("stages")
    if not isinstance(stages, dict):
        return []
    # Only names the loader accepts: nothing a shell would read as more than one word.
    return [name for name in stages if isinstance(name, str)
            and re.fullmatch(STAGE_NAME_PATTERN, name)]


# --- a pull-request report ---------------------------------------------------------------------

base_policy_option = click.option(
    "--base-policy", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="FILE",
    help="The policy before this pull request (e.g. the base branch's file): each change is "
    "then marked as made by the pull request (`policy`) or as drift outside the policy "
    "(`drift`), and reports show the two apart.",
)


def load_base_policy(path: Path | None) -> BasePolicy | None:
    """The base policy's stages; its problems are exit 3, naming the base file."""
    if path is None:
        return None
    from pulumi_dynamic_security.errors import PolicyFileError
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.plan import BasePolicy

    hint = "It is the base policy given with --base-policy: fix it, or point at another file."
    try:
        loaded = SecurityPolicy.load(path)
    except PolicyFileError as exc:  # every problem names the file, as given
        raise PolicyFileError(exc.problems, hint=hint) from None
    return BasePolicy(loaded.stages)


def _checked_link_base(ctx: click.Context, param: click.Parameter, value: str | None
                       ) -> str | None:
    """An https URL with a host, no user info, query, fragment, blank or control character
    (never echoed: it may hold a token)."""
    if value is None:
        return None
    refused = click.BadParameter(
        "must be an https:// URL with a host and no user info, query or fragment, e.g. "
        "https://github.com/OWNER/REPO/blob/COMMIT/ (the policy's path and #L<line> are added "
        "to it).", ctx=ctx, param=param)
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise refused
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        raise refused from None
    if (parts.scheme != "https" or not host or parts.username is not None
            or parts.password is not None or parts.query or parts.fragment
            or "#" in value or "?" in value):
        raise refused
    return value


link_base_option = click.option(
    "--link-base", metavar="URL", default=None, callback=_checked_link_base,
    help="Markdown: turn each policy file:line into a link URL<file>#L<line> (https only), "
    "e.g. https://github.com/OWNER/REPO/blob/COMMIT/.",
)


def max_chars_option(func: F) -> F:
    return click.option(
        "--max-chars", type=click.IntRange(min=2000), default=DEFAULT_MAX_CHARS,
        show_default=True,
        metavar="N",
        help="Markdown: cut the report at a stage boundary before N characters (GitHub "
        "refuses a comment over 65,536), saying how many stages were left out.",
    )(func)


quiet_option = click.option(
    "--quiet", "-q", is_flag=True,
    help="Show no progress on stderr (progress is shown only when stderr is a terminal).",
)
