// Contract test: the official Dynamic clients against the emulator.
//
//   DYNSEC_EMULATOR_URL=http://127.0.0.1:8787/api/v0 DYNSEC_EMULATOR_TOKEN=dyn_emulator \
//     node contract.mjs
//
// The emulator must hold the `demo` seed. Every emulated /api/v0 route that
// @dynamic-labs/sdk-api 0.0.847 has an operation for is called through the client's typed
// methods; each 2xx answer must parse through the official FromJSON models and carry every
// member the official .d.ts models mark as required (checked recursively, with enum values and
// dates), and each refusal must come back with the documented status and body model. The newer
// generated client @dynamic-labs/sdk-api-core 0.40.0 then reads and writes the security
// members it knows and 0.0.847 does not, through its own ProjectSettingsFromJSON/ToJSON, and
// reads the SDK routes. Prints one line per check and exits 1 when any fails.
//
//   scenarios/environments.mjs   environments, projects, origins, tokens, hostnames, auth
//   scenarios/surface.mjs        webhooks, event types, test accounts, sessions, keys, JWKS
//   scenarios/newer_client.mjs   sdk-api-core 0.40.0: settings round trip, the lock, JWKS

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sdk from "@dynamic-labs/sdk-api";
import * as core from "@dynamic-labs/sdk-api-core";

import { modelChecker, selfTest } from "./lib/models.mjs";
import { recordingFetch, summarize } from "./lib/harness.mjs";
import { environmentsScenario } from "./scenarios/environments.mjs";
import { surfaceScenario } from "./scenarios/surface.mjs";
import { newerClientScenario } from "./scenarios/newer_client.mjs";

const BASE_URL = process.env.DYNSEC_EMULATOR_URL;
const ADMIN_TOKEN = process.env.DYNSEC_EMULATOR_TOKEN;
if (!BASE_URL || !ADMIN_TOKEN) {
  console.error("Set DYNSEC_EMULATOR_URL (ending in /api/v0) and DYNSEC_EMULATOR_TOKEN.");
  process.exit(2);
}
const ROOT_URL = BASE_URL.replace(/\/api\/v0$/, "");

// Fixed ids of the emulator's `demo` seed.
const ids = {
  ORGANIZATION: "0a000000-0000-4000-8000-000000000001",
  PROJECT: "0b000000-0000-4000-8000-000000000001",
  SANDBOX: "0c000000-0000-4000-8000-000000000001",
  LIVE: "0c000000-0000-4000-8000-000000000002",
  UNKNOWN: "0c000000-0000-4000-8000-0000000000ff",
};

const HERE = dirname(fileURLToPath(import.meta.url));
const models = (pkg) => join(HERE, "node_modules", "@dynamic-labs", pkg, "src", "models");

// Every operation each package's client has for an emulated route; the run fails if one is
// never called.
const OFFICIAL = {
  label: "@dynamic-labs/sdk-api 0.0.847",
  prefix: "",
  sdk,
  checker: modelChecker(models("sdk-api")),
  operations: [
    "EnvironmentsApi.getEnvironmentById",
    "EnvironmentsApi.updateProjectSettings",
    "EnvironmentsApi.getEnvironmentsByProjectId",
    "EnvironmentsApi.getKeysForEnvironment",
    "ProjectsApi.getProjectById",
    "ProjectsApi.createProject",
    "OriginsApi.getOrigins",
    "OriginsApi.addOrigin",
    "OriginsApi.deleteOriginById",
    "TokensApi.getTokens",
    "TokensApi.postToken",
    "TokensApi.deleteTokenById",
    "UsersApi.revokeUserSessions",
    "SessionsApi.getSessionById",
    "SessionsApi.revokeSessionById",
    "CustomHostnamesApi.getCustomHostnames",
    "CustomHostnamesApi.createCustomHostname",
    "CustomHostnamesApi.deleteCustomHostname",
    "WebhooksApi.getWebhooks",
    "WebhooksApi.createWebhook",
    "WebhooksApi.getWebhook",
    "WebhooksApi.updateWebhookById",
    "WebhooksApi.deleteWebhookById",
    "EventsApi.getEventTypes",
    "TestAccountApi.getTestAccount",
    "TestAccountApi.createTestAccount",
    "TestAccountApi.deleteTestAccount",
    "SDKApi.getJwksByEnvironmentId",
    "SDKApi.getJwksJsonByEnvironmentId",
    "SDKApi.getEnvironmentSettings",
  ],
};
const CORE = {
  label: "@dynamic-labs/sdk-api-core 0.40.0",
  prefix: "core:",
  sdk: core,
  checker: modelChecker(models("sdk-api-core")),
  operations: [
    "SDKApi.getEnvironmentSettings",
    "SDKApi.getJwksByEnvironmentId",
    "SDKApi.getJwksJsonByEnvironmentId",
  ],
};

selfTest(OFFICIAL.checker, [
  [{}, "ProjectEnvironment", "ProjectEnvironment.id"],
  [{ id: "x", settings: { chains: [], design: {} } }, "ProjectEnvironment", "settings.kyc"],
  [{ environments: { live: { id: "a" } } }, "EnvironmentsResponse", "environments.sandbox"],
  [{ token: { id: "a", rawToken: "r", checksum: "c", createdBy: { id: "u" },
    createdAt: "2024-01-01T00:00:00.000Z", scopes: ["environment.everything"] } },
  "CreateTokenResponse", "scopes[0]"],
  [{ tokens: [{ id: "a", checksum: "c", createdBy: {}, createdAt: "yesterday" }] },
    "TokensResponse", "createdAt"],
  [{ customHostnames: [{ id: "a", hostname: "h", usage: "cookies", status: "pending" }] },
    "CustomHostnamesResponse", "verificationRecords"],
  [{ error: "x", code: "no_such_code" }, "UnprocessableEntity", "code"],
  [{ error: "x" }, "NotFound", "NotFound.code"],
  [{ data: [{ webhookId: "w", url: "u", events: [], isEnabled: true, createdAt: "x",
    updatedAt: "2024-01-01T00:00:00.000Z" }] }, "WebhooksResponse", "environmentId"],
  [[{ name: "ping" }], "Array<EventType>", "description"],
  [{ keys: [{ kid: 1 }] }, "JwksResponse", "kid"],
  [{ id: "s", revokedAt: "now" }, "Session", "revokedAt"],
  [{ email: "e" }, "TestAccountResponse", "code"],
]);
selfTest(CORE.checker, [
  [{ chains: [], kyc: [], design: {}, general: {}, privacy: {}, sdk: {},
    security: { captcha: { provider: "recaptcha" } } }, "ProjectSettings", "provider"],
  [{ chains: [], kyc: [], design: {}, general: {}, privacy: {}, sdk: {},
    security: { notifications: { waasPrivateKeyExport: "yes" } } }, "ProjectSettings",
  "waasPrivateKeyExport"],
]);

// The clients attach `accessToken` only on operations whose spec declares bearerAuth, and not
// on origins, webhooks, test accounts or custom hostnames (reference A.2), so the token goes in
// `headers` unless `viaAccessToken`.
function configuration(kit, token, viaAccessToken) {
  return new kit.sdk.Configuration({
    basePath: BASE_URL,
    fetchApi: recordingFetch,
    headers: token && !viaAccessToken ? { Authorization: `Bearer ${token}` } : undefined,
    accessToken: token && viaAccessToken ? token : undefined,
  });
}

function clients(token, { viaAccessToken = false } = {}) {
  const c = configuration(OFFICIAL, token, viaAccessToken);
  return {
    environments: new sdk.EnvironmentsApi(c),
    projects: new sdk.ProjectsApi(c),
    origins: new sdk.OriginsApi(c),
    tokens: new sdk.TokensApi(c),
    users: new sdk.UsersApi(c),
    sessions: new sdk.SessionsApi(c),
    hostnames: new sdk.CustomHostnamesApi(c),
    webhooks: new sdk.WebhooksApi(c),
    events: new sdk.EventsApi(c),
    testAccounts: new sdk.TestAccountApi(c),
    sdkApi: new sdk.SDKApi(c),
  };
}

function coreClients(token) {
  return { sdkApi: new core.SDKApi(configuration(CORE, token, false)) };
}

// A request the clients have no operation for: a control route, or an admin route called with
// a body the newer client serialized. Answers { status, body }.
async function raw(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
  return { status: response.status, body: parsed };
}

const ctx = {
  OFFICIAL, CORE, sdk, core, ids, ADMIN_TOKEN, clients, coreClients,
  admin: clients(ADMIN_TOKEN),
  control: (method, path, body = {}) => raw(method, `${ROOT_URL}/_emulator${path}`,
    method === "GET" || method === "DELETE" ? undefined : body, { "X-Dynsec-Emulator": "1" }),
  adminRaw: (method, path, body) => raw(method, `${BASE_URL}${path}`, body,
    { Authorization: `Bearer ${ADMIN_TOKEN}` }),
};

await environmentsScenario(ctx);
await surfaceScenario(ctx);
await newerClientScenario(ctx);
process.exit(summarize([OFFICIAL, CORE]));
