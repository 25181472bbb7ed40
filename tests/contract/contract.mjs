// Contract test: the official Dynamic client (@dynamic-labs/sdk-api 0.0.847) against the emulator.
//
//   DYNSEC_EMULATOR_URL=http://127.0.0.1:8787/api/v0 DYNSEC_EMULATOR_TOKEN=dyn_emulator \
//     node contract.mjs
//
// The emulator must hold the `demo` seed. Every emulated /api/v0 route is called through the
// client's typed methods; each 2xx answer must parse through the official FromJSON models and
// carry every member the official .d.ts models mark as required (checked recursively, with
// enum values and dates), and each refusal must come back with the documented status and body
// model. Prints one line per check and exits 1 when any fails.

import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sdk from "@dynamic-labs/sdk-api";

const BASE_URL = process.env.DYNSEC_EMULATOR_URL;
const ADMIN_TOKEN = process.env.DYNSEC_EMULATOR_TOKEN;
if (!BASE_URL || !ADMIN_TOKEN) {
  console.error("Set DYNSEC_EMULATOR_URL (ending in /api/v0) and DYNSEC_EMULATOR_TOKEN.");
  process.exit(2);
}

// Fixed ids of the emulator's `demo` seed.
const ORGANIZATION = "0a000000-0000-4000-8000-000000000001";
const PROJECT = "0b000000-0000-4000-8000-000000000001";
const SANDBOX = "0c000000-0000-4000-8000-000000000001";
const LIVE = "0c000000-0000-4000-8000-000000000002";
const UNKNOWN = "0c000000-0000-4000-8000-0000000000ff";

// Every operation the emulator serves; the run fails if one is never called.
const OPERATIONS = [
  "EnvironmentsApi.getEnvironmentById",
  "EnvironmentsApi.updateProjectSettings",
  "EnvironmentsApi.getEnvironmentsByProjectId",
  "ProjectsApi.getProjectById",
  "ProjectsApi.createProject",
  "OriginsApi.getOrigins",
  "OriginsApi.addOrigin",
  "OriginsApi.deleteOriginById",
  "TokensApi.getTokens",
  "TokensApi.postToken",
  "TokensApi.deleteTokenById",
  "UsersApi.revokeUserSessions",
  "CustomHostnamesApi.getCustomHostnames",
  "CustomHostnamesApi.createCustomHostname",
  "CustomHostnamesApi.deleteCustomHostname",
];

// ---------------------------------------------------------------------------------------------
// The official models, read from the package's .d.ts files.

const MODELS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "node_modules", "@dynamic-labs", "sdk-api", "src", "models",
);
const modelCache = new Map();

function splitMembers(body) {
  // Members end with ';' at brace depth 0 (inline object types contain their own ';').
  const members = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "{" || ch === "<") depth += 1;
    if (ch === "}" || ch === ">") depth -= 1;
    if (ch === ";" && depth === 0) {
      if (current.trim()) members.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  return members;
}

function readModel(name) {
  if (modelCache.has(name)) return modelCache.get(name);
  const file = join(MODELS_DIR, `${name}.d.ts`);
  let model = null;
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const enumMatch = text.match(new RegExp(`export declare enum ${name} \\{([\\s\\S]*?)\\}`));
    const ifaceStart = text.indexOf(`export interface ${name} {`);
    if (enumMatch) {
      const values = [...enumMatch[1].matchAll(/=\s*"([^"]*)"/g)].map((m) => m[1]);
      model = { kind: "enum", values };
    } else if (ifaceStart >= 0) {
      let depth = 0;
      let end = ifaceStart;
      for (let i = text.indexOf("{", ifaceStart); i < text.length; i += 1) {
        if (text[i] === "{") depth += 1;
        if (text[i] === "}") depth -= 1;
        if (depth === 0) { end = i; break; }
      }
      const body = text.slice(text.indexOf("{", ifaceStart) + 1, end);
      const members = splitMembers(body).map((member) => {
        const match = member.match(/^(\w+)(\??):\s*([\s\S]+)$/);
        if (!match) return null;
        return { name: match[1], required: match[2] !== "?", type: match[3].trim() };
      }).filter(Boolean);
      model = { kind: "interface", members };
    }
  }
  modelCache.set(name, model);
  return model;
}

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

// Check `value` against a .d.ts type. `parsed`: the value came out of FromJSON (dates are Dates).
function check(value, type, path, problems, parsed) {
  let t = type.trim();
  const alternatives = t.split("|").map((s) => s.trim());
  if (alternatives.length > 1 && !t.startsWith("{")) {
    if (value === null && alternatives.includes("null")) return;
    t = alternatives.filter((a) => a !== "null").join(" | ");
    if (t.includes("|")) return; // unions of several types: not needed here
  }
  if (value === null || value === undefined) {
    problems.push(`${path}: ${value} where ${type} is expected`);
    return;
  }
  const array = t.match(/^Array<(.+)>$/);
  if (array) {
    if (!Array.isArray(value)) { problems.push(`${path}: expected an array`); return; }
    value.forEach((item, i) => check(item, array[1], `${path}[${i}]`, problems, parsed));
    return;
  }
  switch (t) {
    case "string":
    case "number":
    case "boolean":
      if (typeof value !== t) problems.push(`${path}: expected ${t}, got ${JSON.stringify(value)}`);
      return;
    case "any":
      return;
    case "object":
      if (typeof value !== "object") problems.push(`${path}: expected an object`);
      return;
    case "Date":
      if (parsed) {
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
          problems.push(`${path}: FromJSON did not produce a valid Date`);
        }
      } else if (typeof value !== "string" || !ISO_DATE.test(value)) {
        problems.push(`${path}: expected an ISO-8601 date-time, got ${JSON.stringify(value)}`);
      }
      return;
    default:
      break;
  }
  if (t.startsWith("{")) {
    if (typeof value !== "object") problems.push(`${path}: expected an object`);
    return;
  }
  checkModel(value, t, path, problems, parsed);
}

function checkModel(value, name, path, problems, parsed = false) {
  const model = readModel(name);
  if (model === null) return; // a type the package does not describe as a model file
  if (model.kind === "enum") {
    if (!model.values.includes(value)) {
      problems.push(`${path}: ${JSON.stringify(value)} is not a ${name} (${model.values.join(", ")})`);
    }
    return;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${path}: expected a ${name} object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const member of model.members) {
    const present = Object.prototype.hasOwnProperty.call(value, member.name)
      && value[member.name] !== undefined;
    if (!present) {
      if (member.required) problems.push(`${path}.${member.name}: required by ${name} but missing`);
      continue;
    }
    check(value[member.name], member.type, `${path}.${member.name}`, problems, parsed);
  }
}

// The checker checks itself first: a model it cannot read, or a broken document it lets
// through, would make every later PASS meaningless.
function selfTest() {
  const cases = [
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
  ];
  const failures = [];
  for (const [document, model, expected] of cases) {
    const problems = [];
    checkModel(document, model, model, problems, false);
    if (!problems.some((p) => p.includes(expected))) {
      failures.push(`${model}: expected a problem about ${expected}, got ${JSON.stringify(problems)}`);
    }
  }
  if (failures.length) {
    console.error(`The model checker is broken:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
}
selfTest();

// ---------------------------------------------------------------------------------------------
// Calls, with the exact wire answer kept aside for checking.

let lastExchange = null;
async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  lastExchange = { status: response.status, text: await response.clone().text() };
  return response;
}

// The client attaches `accessToken` only on operations whose spec declares bearerAuth, and
// not on origins or custom hostnames (reference A.2), so the token goes in `headers`.
function clients(token, { viaAccessToken = false } = {}) {
  const configuration = new sdk.Configuration({
    basePath: BASE_URL,
    fetchApi: recordingFetch,
    headers: token && !viaAccessToken ? { Authorization: `Bearer ${token}` } : undefined,
    accessToken: token && viaAccessToken ? token : undefined,
  });
  return {
    environments: new sdk.EnvironmentsApi(configuration),
    projects: new sdk.ProjectsApi(configuration),
    origins: new sdk.OriginsApi(configuration),
    tokens: new sdk.TokensApi(configuration),
    users: new sdk.UsersApi(configuration),
    hostnames: new sdk.CustomHostnamesApi(configuration),
  };
}

const results = [];
const covered = new Set();

function record(operation, expectation, status, problems) {
  covered.add(operation.split(" ")[0]);
  results.push({ operation, expectation, status, problems });
}

async function expectSuccess(operation, status, modelName, call) {
  lastExchange = null;
  const problems = [];
  let value;
  try {
    value = await call();
  } catch (error) {
    const detail = error instanceof Response
      ? `answered ${error.status} ${await error.text()}`
      : `threw ${error}`;
    record(operation, `${status} ${modelName ?? "(empty)"}`, error?.status, [detail]);
    return undefined;
  }
  if (lastExchange === null) {
    problems.push("no request was sent");
  } else {
    if (lastExchange.status !== status) problems.push(`status ${lastExchange.status}, expected ${status}`);
    if (modelName) {
      if (readModel(modelName) === null) problems.push(`no ${modelName}.d.ts model in the client`);
      let wire;
      try {
        wire = JSON.parse(lastExchange.text);
      } catch {
        problems.push(`body is not JSON: ${lastExchange.text.slice(0, 80)}`);
      }
      if (wire !== undefined) checkModel(wire, modelName, modelName, problems, false);
      const fromJson = sdk[`${modelName}FromJSON`];
      if (typeof fromJson !== "function") problems.push(`no ${modelName}FromJSON in the client`);
      checkModel(value, modelName, `${modelName}(FromJSON)`, problems, true);
    } else if (lastExchange.text !== "") {
      problems.push(`expected an empty body, got ${lastExchange.text.slice(0, 80)}`);
    }
  }
  record(operation, `${status} ${modelName ?? "(empty)"}`, lastExchange?.status, problems);
  return value;
}

async function expectError(operation, status, modelName, call, { code } = {}) {
  lastExchange = null;
  const problems = [];
  let answered;
  try {
    await call();
    problems.push(`succeeded; expected ${status}`);
  } catch (error) {
    if (!(error instanceof Response)) {
      problems.push(`threw ${error} instead of the raw Response (0.0.847 throws the Response)`);
    } else {
      answered = error.status;
      if (error.status !== status) problems.push(`status ${error.status}, expected ${status}`);
      let body;
      try {
        body = await error.json();
      } catch {
        problems.push("error body is not JSON");
      }
      if (readModel(modelName) === null) problems.push(`no ${modelName}.d.ts model in the client`);
      if (body !== undefined) {
        checkModel(body, modelName, modelName, problems, false);
        const fromJson = sdk[`${modelName}FromJSON`];
        if (typeof fromJson === "function") checkModel(fromJson(body), modelName, `${modelName}(FromJSON)`, problems, true);
        // The members the models leave optional but the emulator promises.
        if (modelName === "ForbiddenWithErrorAndPayload") {
          if (typeof body.error?.code !== "string" || typeof body.error?.message !== "string") {
            problems.push("error.code and error.message must be strings");
          }
        } else if (typeof body.error !== "string") {
          problems.push("error must be a string");
        }
        if (modelName === "BadRequest" && body.status !== 400) problems.push("status member must be 400");
        if (code !== undefined && body.code !== code) problems.push(`code ${body.code}, expected ${code}`);
      }
    }
  }
  record(operation, `${status} ${modelName}${code ? ` ${code}` : ""}`, answered, problems);
}

// ---------------------------------------------------------------------------------------------
// The scenario.

const admin = clients(ADMIN_TOKEN);

// Environments and projects.
const sandbox = await expectSuccess("EnvironmentsApi.getEnvironmentById", 200, "ProjectEnvironment",
  () => admin.environments.getEnvironmentById({ environmentId: SANDBOX }));
await expectSuccess("EnvironmentsApi.getEnvironmentsByProjectId", 200, "EnvironmentsResponse",
  () => admin.environments.getEnvironmentsByProjectId({ projectId: PROJECT }));
await expectSuccess("ProjectsApi.getProjectById", 200, "Project",
  () => admin.projects.getProjectById({ projectId: PROJECT }));
const created = await expectSuccess("ProjectsApi.createProject", 201, "CreateProjectResponse",
  () => admin.projects.createProject({ organizationId: ORGANIZATION, projectRequest: { name: "contract" } }));
const createdEnvironments = created?.project?.projectEnvironments ?? [];
const names = createdEnvironments.map((e) => e.environmentName).sort().join(",");
record("ProjectsApi.createProject (environments)", "one sandbox, one live", 201,
  names === "live,sandbox" ? [] : [`environments ${names}`]);
for (const environment of createdEnvironments) {
  await expectSuccess(`EnvironmentsApi.getEnvironmentById (new ${environment.environmentName})`, 200,
    "ProjectEnvironment", () => admin.environments.getEnvironmentById({ environmentId: environment.id }));
}
if (sandbox?.settings) {
  const settings = sandbox.settings;
  settings.security = { ...settings.security, jwtDuration: { amount: 4, unit: sdk.TimeUnitEnum.Hours } };
  await expectSuccess("EnvironmentsApi.updateProjectSettings", 200, "ProjectSettings",
    () => admin.environments.updateProjectSettings({ environmentId: SANDBOX, projectSettings: settings }));
  const reread = await admin.environments.getEnvironmentById({ environmentId: SANDBOX });
  const jwt = reread.settings?.security?.jwtDuration;
  record("EnvironmentsApi.updateProjectSettings (read back)", "4 hours stored", 200,
    jwt?.amount === 4 && jwt?.unit === "hours" ? [] : [`read back ${JSON.stringify(jwt)}`]);
  const tooLong = { ...settings, security: { ...settings.security, jwtDuration: { amount: 31, unit: sdk.TimeUnitEnum.Days } } };
  await expectError("EnvironmentsApi.updateProjectSettings (JWT 31 days)", 422, "UnprocessableEntity",
    () => admin.environments.updateProjectSettings({ environmentId: SANDBOX, projectSettings: tooLong }),
    { code: "invalid_update" });
}

// Origins.
await expectSuccess("OriginsApi.getOrigins", 200, "OriginsResponse",
  () => admin.origins.getOrigins({ environmentId: LIVE }));
const added = await expectSuccess("OriginsApi.addOrigin", 201, "InlineResponse201",
  () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://contract.example.com" } }));
await expectError("OriginsApi.addOrigin (duplicate)", 422, "UnprocessableEntity",
  () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://contract.example.com" } }),
  { code: "duplicate_exists" });
await expectError("OriginsApi.addOrigin (invalid)", 422, "UnprocessableEntity",
  () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://a.example.com/path" } }),
  { code: "invalid_cors_origins" });
await expectError("OriginsApi.addOrigin (no origin)", 400, "BadRequest",
  () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: {} }));
if (added?.origin?.id) {
  await expectSuccess("OriginsApi.deleteOriginById", 204, null,
    () => admin.origins.deleteOriginById({ originId: added.origin.id }));
}
await expectError("OriginsApi.deleteOriginById (unknown)", 404, "NotFound",
  () => admin.origins.deleteOriginById({ originId: UNKNOWN }), { code: "not_found" });

// Tokens.
await expectSuccess("TokensApi.getTokens", 200, "TokensResponse",
  () => admin.tokens.getTokens({ environmentId: LIVE }));
const issued = await expectSuccess("TokensApi.postToken", 201, "CreateTokenResponse",
  () => admin.tokens.postToken({
    environmentId: SANDBOX,
    postTokenFields: { note: "contract", scopes: [sdk.TokenScopes.EnvironmentSettingsRead] },
  }));
const raw = issued?.token?.rawToken ?? "";
record("TokensApi.postToken (raw token)", "dyn_ + 36 alphanumerics, checksum = last 6", 201,
  /^dyn_[A-Za-z0-9]{36}$/.test(raw) && issued.token.checksum === raw.slice(-6) ? [] : ["bad rawToken or checksum"]);
await expectError("TokensApi.postToken (unknown scope)", 422, "UnprocessableEntity",
  () => admin.tokens.postToken({ environmentId: SANDBOX, postTokenFields: { note: "x", scopes: ["environment.everything"] } }),
  { code: "invalid_scopes" });

const readOnly = clients(raw);
await expectSuccess("EnvironmentsApi.getEnvironmentById (issued token)", 200, "ProjectEnvironment",
  () => readOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
await expectError("EnvironmentsApi.getEnvironmentById (other environment)", 403, "Forbidden",
  () => readOnly.environments.getEnvironmentById({ environmentId: LIVE }));
await expectError("OriginsApi.addOrigin (read-only token)", 403, "Forbidden",
  () => readOnly.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://ro.example.com" } }));
await expectError("TokensApi.getTokens (no apiTokens scope)", 403, "Forbidden",
  () => readOnly.tokens.getTokens({ environmentId: SANDBOX }));
await expectError("ProjectsApi.getProjectById (issued token)", 403, "Forbidden",
  () => readOnly.projects.getProjectById({ projectId: PROJECT }));
await expectError("UsersApi.revokeUserSessions (no users scope)", 403, "ForbiddenWithErrorAndPayload",
  () => readOnly.users.revokeUserSessions({ environmentId: SANDBOX, userId: "user-1" }));

if (issued?.token?.id) {
  await expectSuccess("TokensApi.deleteTokenById", 204, null,
    () => admin.tokens.deleteTokenById({ environmentId: SANDBOX, tokenId: issued.token.id }));
  await expectError("EnvironmentsApi.getEnvironmentById (deleted token)", 401, "Unauthorized",
    () => readOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
}
await expectError("TokensApi.deleteTokenById (unknown)", 404, "NotFound",
  () => admin.tokens.deleteTokenById({ environmentId: SANDBOX, tokenId: UNKNOWN }), { code: "not_found" });

// Sessions.
await expectSuccess("UsersApi.revokeUserSessions", 204, null,
  () => admin.users.revokeUserSessions({ environmentId: LIVE, userId: "user-1" }));
await expectError("UsersApi.revokeUserSessions (unknown environment)", 404, "NotFound",
  () => admin.users.revokeUserSessions({ environmentId: UNKNOWN, userId: "user-1" }), { code: "not_found" });

// Custom hostnames.
await expectSuccess("CustomHostnamesApi.getCustomHostnames", 200, "CustomHostnamesResponse",
  () => admin.hostnames.getCustomHostnames({ environmentId: LIVE }));
const hostname = await expectSuccess("CustomHostnamesApi.createCustomHostname", 201, "CustomHostname",
  () => admin.hostnames.createCustomHostname({
    environmentId: SANDBOX,
    customHostnameCreateRequest: { hostname: "auth.contract.example", usage: sdk.CustomHostnameUsageEnum.Cookies },
  }));
record("CustomHostnamesApi.createCustomHostname (status)", "pending", 201,
  hostname?.status === "pending" ? [] : [`status ${hostname?.status}`]);
await expectError("CustomHostnamesApi.createCustomHostname (invalid)", 422, "UnprocessableEntity",
  () => admin.hostnames.createCustomHostname({
    environmentId: SANDBOX,
    customHostnameCreateRequest: { hostname: "not a hostname", usage: sdk.CustomHostnameUsageEnum.Cookies },
  }), { code: "invalid_custom_hostname" });
if (hostname?.id) {
  await expectSuccess("CustomHostnamesApi.deleteCustomHostname", 204, null,
    () => admin.hostnames.deleteCustomHostname({ environmentId: SANDBOX, customHostnameId: hostname.id }));
}
await expectError("CustomHostnamesApi.deleteCustomHostname (unknown)", 404, "NotFound",
  () => admin.hostnames.deleteCustomHostname({ environmentId: SANDBOX, customHostnameId: UNKNOWN }),
  { code: "not_found" });

// Authentication.
const anonymous = clients(undefined);
await expectError("EnvironmentsApi.getEnvironmentById (no token)", 401, "Unauthorized",
  () => anonymous.environments.getEnvironmentById({ environmentId: SANDBOX }));
await expectError("TokensApi.getTokens (unknown token)", 401, "Unauthorized",
  () => clients("dyn_notarealtoken").tokens.getTokens({ environmentId: SANDBOX }));
// The client's own accessToken is not sent on operations without bearerAuth in the spec.
const accessTokenOnly = clients(ADMIN_TOKEN, { viaAccessToken: true });
await expectSuccess("EnvironmentsApi.getEnvironmentById (accessToken)", 200, "ProjectEnvironment",
  () => accessTokenOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
await expectError("OriginsApi.getOrigins (accessToken, not sent by the client)", 401, "Unauthorized",
  () => accessTokenOnly.origins.getOrigins({ environmentId: SANDBOX }));
await expectError("EnvironmentsApi.getEnvironmentById (unknown)", 404, "NotFound",
  () => admin.environments.getEnvironmentById({ environmentId: UNKNOWN }), { code: "not_found" });
await expectError("ProjectsApi.getProjectById (unknown)", 404, "NotFound",
  () => admin.projects.getProjectById({ projectId: UNKNOWN }), { code: "not_found" });

// ---------------------------------------------------------------------------------------------
// Summary.

for (const operation of OPERATIONS) {
  if (!covered.has(operation)) {
    results.push({ operation, expectation: "called at least once", status: undefined, problems: ["never called"] });
  }
}
const width = Math.max(...results.map((r) => r.operation.length));
let failed = 0;
for (const result of results) {
  const ok = result.problems.length === 0;
  if (!ok) failed += 1;
  const status = result.status === undefined ? "---" : String(result.status);
  console.log(`${ok ? "PASS" : "FAIL"}  ${result.operation.padEnd(width)}  ${status}  ${result.expectation}`);
  for (const problem of result.problems) console.log(`        ${problem}`);
}
console.log(`${results.length} checks, ${failed} failed; ${covered.size} operations of @dynamic-labs/sdk-api 0.0.847 exercised.`);
process.exit(failed === 0 ? 0 : 1);
