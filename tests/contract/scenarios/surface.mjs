// The rest of the security surface through @dynamic-labs/sdk-api 0.0.847: webhooks and the
// event catalogue, the test account, end users' sessions and their revocation, the
// environment's signing key, the JWKS and the SDK settings. Minted JWTs (a control route) are
// verified with Node's own crypto against both the JWKS and the admin key route.

import { createPublicKey, verify } from "node:crypto";

import { expectError, expectFact, expectSuccess } from "../lib/harness.mjs";

const USER = "a1000000-0000-4000-8000-0000000000c1";
const OTHER_USER = "a1000000-0000-4000-8000-0000000000c2";
const REQUIRED_EVENTS = [
  "user.created", "user.updated", "user.deleted", "user.session.created", "user.session.revoked",
  "admin.user.session.revoked", "wallet.created", "wallet.linked", "visit.created", "ping",
];

function verifies(jwt, key) {
  const [header, payload, signature] = jwt.split(".");
  return verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key,
    Buffer.from(signature, "base64url"));
}

function payloadOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

async function webhooks(ctx) {
  const { OFFICIAL, admin, clients } = ctx;
  const { LIVE, UNKNOWN } = ctx.ids;
  const catalogue = await expectSuccess(OFFICIAL, "EventsApi.getEventTypes", 200, "Array<EventType>",
    () => admin.events.getEventTypes());
  const names = (catalogue ?? []).map((e) => e.name);
  const missing = REQUIRED_EVENTS.filter((name) => !names.includes(name));
  expectFact(OFFICIAL, "EventsApi.getEventTypes (catalogue)", "the session and user events", 200,
    missing.length ? [`missing ${missing.join(", ")}`] : []);

  const request = { url: "https://hooks.contract.example/dynamic", isEnabled: true,
    events: ["user.session.revoked", "admin.user.session.revoked"] };
  const created = await expectSuccess(OFFICIAL, "WebhooksApi.createWebhook", 201, "Webhook",
    () => admin.webhooks.createWebhook({ environmentId: LIVE, webhookCreateRequest: request }));
  const secret = created?.secret;
  expectFact(OFFICIAL, "WebhooksApi.createWebhook (secret)", "a signing secret, once", 201,
    typeof secret === "string" && secret.length >= 16 ? [] : [`secret ${secret}`]);
  await expectError(OFFICIAL, "WebhooksApi.createWebhook (http url)", 422, "UnprocessableEntity",
    () => admin.webhooks.createWebhook({ environmentId: LIVE,
      webhookCreateRequest: { ...request, url: "http://hooks.contract.example/dynamic" } }));
  await expectError(OFFICIAL, "WebhooksApi.createWebhook (unknown event)", 422, "UnprocessableEntity",
    () => admin.webhooks.createWebhook({ environmentId: LIVE,
      webhookCreateRequest: { ...request, url: "https://other.contract.example", events: ["user.exploded"] } }));

  const listed = await expectSuccess(OFFICIAL, "WebhooksApi.getWebhooks", 200, "WebhooksResponse",
    () => admin.webhooks.getWebhooks({ environmentId: LIVE }));
  const leaked = (listed?.data ?? []).filter((w) => w.secret !== undefined);
  expectFact(OFFICIAL, "WebhooksApi.getWebhooks (no secrets)", "listed without secrets", 200,
    leaked.length || (listed?.data ?? []).length !== 1 ? [`listing ${JSON.stringify(listed?.data)}`] : []);
  const webhookId = created?.webhookId ?? UNKNOWN;
  const withSecret = await expectSuccess(OFFICIAL, "WebhooksApi.getWebhook (includeSecret)", 200, "Webhook",
    () => admin.webhooks.getWebhook({ environmentId: LIVE, webhookId, includeSecret: true }));
  const plain = await expectSuccess(OFFICIAL, "WebhooksApi.getWebhook", 200, "Webhook",
    () => admin.webhooks.getWebhook({ environmentId: LIVE, webhookId }));
  expectFact(OFFICIAL, "WebhooksApi.getWebhook (secret only when asked)", "includeSecret=true only", 200,
    withSecret?.secret === secret && plain && plain.secret === undefined ? [] : ["secret shown or missing"]);

  const updated = await expectSuccess(OFFICIAL, "WebhooksApi.updateWebhookById", 200, "Webhook",
    () => admin.webhooks.updateWebhookById({ environmentId: LIVE, webhookId,
      webhookUpdateRequest: { url: "arn:aws:sns:us-east-1:123456789012:dynamic", isEnabled: false,
        events: ["ping"] } }));
  expectFact(OFFICIAL, "WebhooksApi.updateWebhookById (stored)", "url, events, isEnabled replaced", 200,
    updated?.url.startsWith("arn:aws:sns:") && updated?.isEnabled === false
      && updated?.events.join() === "ping" && updated?.secret === undefined ? [] : [JSON.stringify(updated)]);
  await expectError(OFFICIAL, "WebhooksApi.getWebhooks (no webhooks scope)", 403, "Forbidden",
    () => clients(ctx.readOnlyToken).webhooks.getWebhooks({ environmentId: LIVE }));
  await expectSuccess(OFFICIAL, "WebhooksApi.deleteWebhookById", 204, null,
    () => admin.webhooks.deleteWebhookById({ environmentId: LIVE, webhookId }));
  await expectError(OFFICIAL, "WebhooksApi.getWebhook (deleted)", 404, "NotFound",
    () => admin.webhooks.getWebhook({ environmentId: LIVE, webhookId }), { code: "not_found" });
}

async function testAccounts(ctx) {
  const { OFFICIAL, admin } = ctx;
  const { LIVE, SANDBOX } = ctx.ids;
  const live = await expectSuccess(OFFICIAL, "TestAccountApi.getTestAccount", 200, "TestAccountResponse",
    () => admin.testAccounts.getTestAccount({ environmentId: LIVE }));
  expectFact(OFFICIAL, "TestAccountApi.getTestAccount (seeded code)", "a static 6-digit code", 200,
    /^\d{6}$/.test(live?.code ?? "") ? [] : ["no code"]);
  await expectError(OFFICIAL, "TestAccountApi.getTestAccount (none)", 404, "NotFound",
    () => admin.testAccounts.getTestAccount({ environmentId: SANDBOX }), { code: "not_found" });
  await expectSuccess(OFFICIAL, "TestAccountApi.createTestAccount", 201, "TestAccountResponse",
    () => admin.testAccounts.createTestAccount({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "TestAccountApi.createTestAccount (second)", 422, "UnprocessableEntity",
    () => admin.testAccounts.createTestAccount({ environmentId: SANDBOX }), { code: "duplicate_exists" });
  await expectSuccess(OFFICIAL, "TestAccountApi.deleteTestAccount", 204, null,
    () => admin.testAccounts.deleteTestAccount({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "TestAccountApi.deleteTestAccount (none)", 404, "NotFound",
    () => admin.testAccounts.deleteTestAccount({ environmentId: SANDBOX }), { code: "not_found" });
}

async function sessions(ctx) {
  const { OFFICIAL, admin, control, adminRaw } = ctx;
  const { LIVE, UNKNOWN } = ctx.ids;
  const planted = await control("POST", `/environments/${LIVE}/users/${USER}/sessions`, {});
  const sessionId = planted.body?.id ?? UNKNOWN;
  const fresh = await expectSuccess(OFFICIAL, "SessionsApi.getSessionById", 200, "Session",
    () => admin.sessions.getSessionById({ userId: USER, sessionId }));
  expectFact(OFFICIAL, "SessionsApi.getSessionById (unrevoked)", "revokedAt null", 200,
    fresh && fresh.revokedAt == null ? [] : [`revokedAt ${fresh?.revokedAt}`]);
  const revoked = await expectSuccess(OFFICIAL, "SessionsApi.revokeSessionById", 200, "Session",
    () => admin.sessions.revokeSessionById({ sessionId }));
  expectFact(OFFICIAL, "SessionsApi.revokeSessionById (revokedAt)", "a revocation time", 200,
    revoked?.revokedAt instanceof Date ? [] : [`revokedAt ${revoked?.revokedAt}`]);
  await expectError(OFFICIAL, "SessionsApi.getSessionById (unknown)", 404, "NotFound",
    () => admin.sessions.getSessionById({ userId: USER, sessionId: UNKNOWN }), { code: "not_found" });

  // A minted JWT's session, revoked with the user's other sessions.
  const minted = await control("POST", `/environments/${LIVE}/jwt`, { sub: OTHER_USER });
  const sid = minted.body?.claims?.sid ?? UNKNOWN;
  await expectSuccess(OFFICIAL, "UsersApi.revokeUserSessions (a minted JWT's user)", 204, null,
    () => admin.users.revokeUserSessions({ environmentId: LIVE, userId: OTHER_USER }));
  const after = await expectSuccess(OFFICIAL, "SessionsApi.getSessionById (after revoking the user)", 200,
    "Session", () => admin.sessions.getSessionById({ userId: OTHER_USER, sessionId: sid }));
  expectFact(OFFICIAL, "UsersApi.revokeUserSessions (revokedAt seen)", "the JWT's session revoked", 200,
    after?.revokedAt instanceof Date ? [] : [`revokedAt ${after?.revokedAt}`]);

  // Newer than 0.0.847 (no operation in the client): the environment-wide revocation.
  const all = await adminRaw("POST", `/environments/${LIVE}/users/sessions/revoke`);
  expectFact(OFFICIAL, "POST /environments/{id}/users/sessions/revoke (newer)", "202 {message}",
    all.status, all.status === 202 && typeof all.body?.message === "string" ? [] : [JSON.stringify(all)]);
}

async function keys(ctx) {
  const { OFFICIAL, CORE, admin, clients, control } = ctx;
  const { LIVE } = ctx.ids;
  const anonymous = clients(undefined);
  const keyResponse = await expectSuccess(OFFICIAL, "EnvironmentsApi.getKeysForEnvironment", 200,
    "KeyResponse", () => admin.environments.getKeysForEnvironment({ environmentId: LIVE }));
  const jwks = await expectSuccess(OFFICIAL, "SDKApi.getJwksByEnvironmentId", 200, "JwksResponse",
    () => anonymous.sdkApi.getJwksByEnvironmentId({ environmentId: LIVE }));
  const jwksJson = await expectSuccess(OFFICIAL, "SDKApi.getJwksJsonByEnvironmentId", 200, "JwksResponse",
    () => anonymous.sdkApi.getJwksJsonByEnvironmentId({ environmentId: LIVE }));
  const jwk = jwks?.keys?.[0] ?? {};
  expectFact(OFFICIAL, "SDKApi JWKS (one RS256 key, both paths)", "kid = key id", 200,
    jwks?.keys?.length === 1 && jwk.alg === "RS256" && jwk.kty === "RSA" && jwk.use === "sig"
      && jwk.kid === keyResponse?.key?.id && JSON.stringify(jwks) === JSON.stringify(jwksJson)
      ? [] : [`${JSON.stringify(jwks)} / ${JSON.stringify(keyResponse)}`]);

  const minted = (await control("POST", `/environments/${LIVE}/jwt`,
    { sub: USER, aud: "https://app.contract.example" })).body ?? {};
  const problems = [];
  try {
    const fromJwk = createPublicKey({ key: jwk, format: "jwk" });
    const fromPem = createPublicKey(Buffer.from(keyResponse?.key?.publicKey ?? "", "base64").toString("ascii"));
    if (!verifies(minted.jwt, fromJwk)) problems.push("does not verify with the JWKS key");
    if (!verifies(minted.jwt, fromPem)) problems.push("does not verify with the admin publicKey");
  } catch (error) {
    problems.push(`${error}`);
  }
  expectFact(OFFICIAL, "minted JWT (RS256, Node crypto)", "verifies with JWKS and publicKey", 201, problems);
  const payload = minted.jwt ? payloadOf(minted.jwt) : {};
  for (const kit of [OFFICIAL, CORE]) {
    const claims = kit.sdk.MinifiedDynamicJwtFromJSON(payload);
    const found = [];
    kit.checker.checkModel(claims, "MinifiedDynamicJwt", "MinifiedDynamicJwt(FromJSON)", found, true);
    if (claims.environmentId !== LIVE || claims.kid !== jwk.kid) found.push(JSON.stringify(claims));
    expectFact(kit, "MinifiedDynamicJwtFromJSON (minted claims)", "every required claim", 201, found);
  }

  const rotated = (await control("POST", `/environments/${LIVE}/keys/rotate`, {})).body ?? {};
  const after = await expectSuccess(OFFICIAL, "SDKApi.getJwksByEnvironmentId (rotated)", 200, "JwksResponse",
    () => anonymous.sdkApi.getJwksByEnvironmentId({ environmentId: LIVE }));
  const newKid = after?.keys?.[0]?.kid;
  let oldVerifies = true;
  try { oldVerifies = verifies(minted.jwt, createPublicKey({ key: after.keys[0], format: "jwk" })); } catch { /* */ }
  expectFact(OFFICIAL, "keys/rotate (control route)", "old kid gone, old JWT no longer verifies", 200,
    after?.keys?.length === 1 && newKid === rotated.key?.id && newKid !== jwk.kid && !oldVerifies
      ? [] : [`${JSON.stringify(after)} ${JSON.stringify(rotated)}`]);
}

export async function surfaceScenario(ctx) {
  const { OFFICIAL, admin, clients } = ctx;
  const { SANDBOX, LIVE } = ctx.ids;
  const issued = await admin.tokens.postToken({ environmentId: LIVE,
    postTokenFields: { note: "contract read-only", scopes: ["environment.settings.read"] } });
  ctx.readOnlyToken = issued.token.rawToken;

  await webhooks(ctx);
  await testAccounts(ctx);
  await sessions(ctx);
  await keys(ctx);
  await expectSuccess(OFFICIAL, "SDKApi.getEnvironmentSettings", 200, "ProjectSettings",
    () => clients(undefined).sdkApi.getEnvironmentSettings({ environmentId: SANDBOX }));
}
