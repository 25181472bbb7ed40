"""Where each rule comes from: the Dynamic docs pages, and this project's README
(docs/rules.md#the-catalogue).

Several rules cite the same page, so each address is written once here. Findings, SARIF and
`dynsec rules` print these, so they are absolute URLs.
"""

from __future__ import annotations

_DOCS = "https://www.dynamic.xyz/docs"

# Security settings: allowed CORS origins ("if you don't add an origin, all domains will be
# allowed"), the wildcard syntax, JWT expiration, the security e-mails, locking the
# environment.
SECURITY_SETTINGS = f"{_DOCS}/overview/developer-dashboard/security"
# Authentication best practices: keep the JWT short, cookie over in-app storage, a shorter JWT
# for embedded wallets without transactional MFA, MFA for high-value apps, SMS not a sole factor.
AUTH_BEST_PRACTICES = f"{_DOCS}/overview/authentication/best-practices"
# Cookie-based authentication: needs an active custom hostname (cookie domain).
COOKIE_AUTHENTICATION = f"{_DOCS}/overview/authentication/cookie-authentication"
# End-user MFA: methods (TOTP, passkey), session-based and action-based enforcement.
END_USER_MFA = f"{_DOCS}/overview/developer-dashboard/end-user-mfa"
# Developer best practices: "rotate Dynamic API keys regularly" (only on this older host).
DEVELOPER_BEST_PRACTICES = "https://docs.dynamic.xyz/developer-best-practices"
# API introduction: creating API tokens, naming each after the system that uses it.
API_TOKENS = f"{_DOCS}/api-reference/overview"
# SDK and API keys: one environment id for sandbox and one for live per project.
ENVIRONMENTS = f"{_DOCS}/overview/developer-dashboard/tokens-api-keys"
# Security best practices: which measures Dynamic recommends for embedded wallets and SMS.
SECURITY_RECOMMENDATIONS = f"{_DOCS}/security/recommendedpaths"

# Third-party (external JWT) sign-in: `iss` and `jwksUrl` required, `aud` optional.
EXTERNAL_AUTH = f"{_DOCS}/external-auth/third-party-auth-setup"
# Test accounts: a fixed e-mail or phone number that signs in with a static code.
TEST_ACCOUNTS = f"{_DOCS}/overview/developer-dashboard/test-accounts"
# Captcha (hCaptcha or Cloudflare Turnstile) before verification in the sign-in flow.
CAPTCHA = f"{_DOCS}/javascript/authentication-methods/captcha"
# Webhooks: the session events (`user.session.revoked`, ...) and their signatures.
WEBHOOKS = f"{_DOCS}/auth/webhooks"

PROJECT_URL = "https://github.com/pulumi-dynamic-security/pulumi-dynamic-security"
# The README's "Waivers" section, which the DS9xx rules link.
README_WAIVERS = f"{PROJECT_URL}#waivers"
