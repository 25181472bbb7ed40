"""The security settings of one Dynamic environment per stack.

    pulumi stack select dev          # or staging, production
    pulumi preview --diff            # what would change (Pulumi.yaml refreshes first)
    pulumi up

The stack deploys the stage named by its config `dynamic-security:stage`, else the stage
named like the stack. The policy is `dynamic-security.yaml` next to this file; `dynsec
validate` checks the same file without Pulumi. Credentials come from the stack config
(`dynamic-security:apiToken`, set with `pulumi config set --secret`) or the environment
(`DYNAMIC_API_TOKEN`), never from this program.
"""

from pathlib import Path

import pulumi

from pulumi_dynamic_security import EnvironmentSecurity

env = EnvironmentSecurity.for_stack(Path(__file__).with_name("dynamic-security.yaml"))
stage = env.stage

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
pulumi.export("webhook_ids", {name: hook.webhook_id for name, hook in env.webhooks.items()})
# Each webhook's signing secret, for the backend that verifies its deliveries
# (`verify_webhook_signature`): a secret output too.
pulumi.export("webhook_secrets", pulumi.Output.secret(
    {name: hook.secret for name, hook in env.webhooks.items()}
))
