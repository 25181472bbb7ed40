"""The security settings of one Dynamic environment per stack: the stack name is the stage.

    pulumi stack select dev          # or staging, production
    pulumi preview --diff --refresh  # what would change, drift included
    pulumi up

The policy is `dynamic-security.yaml` next to this file; `dynsec validate` checks the same
file without Pulumi. Credentials come from the stack config (`dynamic-security:apiToken`,
set with `pulumi config set --secret`), never from this program.
"""

from pathlib import Path

import pulumi

from pulumi_dynamic_security import EnvironmentSecurity, SecurityPolicy

policy = SecurityPolicy.load(Path(__file__).with_name("dynamic-security.yaml"))
stage = policy.stage(pulumi.get_stack())
env = EnvironmentSecurity(pulumi.get_stack(), stage=stage)

pulumi.export("environment_id", stage.environment_id)
pulumi.export("production", stage.production)
if env.allowed_origins is not None:
    pulumi.export("origins", env.allowed_origins.origins)
if env.settings is not None:
    pulumi.export("jwt_lifetime", env.settings.jwt_lifetime)
    pulumi.export("token_storage", env.settings.token_storage)
    pulumi.export("mfa", env.settings.mfa)
pulumi.export("token_ids", {name: token.token_id for name, token in env.tokens.items()})
pulumi.export("rotate_after", {name: token.rotate_after for name, token in env.tokens.items()})
# The raw tokens, for whoever hands them on (see ci/github-actions.yml): a secret output,
# shown only by `pulumi stack output tokens --show-secrets`.
pulumi.export("tokens", pulumi.Output.secret(
    {name: token.token for name, token in env.tokens.items()}
))
