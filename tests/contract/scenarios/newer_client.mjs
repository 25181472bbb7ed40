// The newer generated client, @dynamic-labs/sdk-api-core 0.40.0: it knows security members
// 0.0.847 does not (`captcha`, `environmentLocked`, `notifications`,
// `deviceRegistrationRequired`, and `externalAuth.assumeEmailVerified`, which dynsec keeps as
// read when it writes the other members of `externalAuth`). A settings document it serialized (ProjectSettingsToJSON) is
// written through the admin route (the package has no admin operations), then read back both
// raw and through its ProjectSettingsFromJSON and its SDK operations: no field may be lost or
// changed. Locking the environment then refuses the SDK settings but not the JWKS.

import { expectError, expectFact, expectSuccess } from "../lib/harness.mjs";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export async function newerClientScenario(ctx) {
  const { CORE, core, coreClients, adminRaw } = ctx;
  const { SANDBOX } = ctx.ids;
  const sdkApi = coreClients(undefined).sdkApi;

  const settings = await expectSuccess(CORE, "SDKApi.getEnvironmentSettings", 200, "ProjectSettings",
    () => sdkApi.getEnvironmentSettings({ environmentId: SANDBOX }));
  if (!settings) return;
  const wanted = {
    captcha: { enabled: true, provider: core.CaptchaProviderEnum.CloudflareTurnstile,
      siteKey: "0x4AAAAAAAcontract" },
    environmentLocked: false,
    deviceRegistrationRequired: false,
    notifications: { verifiedCredentialLinked: true, verifiedCredentialUnlinked: false,
      waasPrivateKeyExport: true, waasSignedTransaction: false },
    externalAuth: { enabled: true, iss: "https://auth.example.com", aud: "dynamic-contract",
      jwksUrl: "https://auth.example.com/.well-known/jwks.json", cookieName: "auth_token",
      assumeEmailVerified: true },
  };
  const members = Object.keys(wanted);
  settings.security = { ...settings.security, ...wanted };
  const sent = core.ProjectSettingsToJSON(settings);

  const put = await adminRaw("PUT", `/environments/${SANDBOX}`, sent);
  const putProblems = put.status === 200 ? [] : [`status ${put.status} ${JSON.stringify(put.body)}`];
  if (put.status === 200) CORE.checker.check(put.body, "ProjectSettings", "ProjectSettings", putProblems, false);
  for (const member of members) {
    if (!same(put.body?.security?.[member], sent.security[member])) {
      putProblems.push(`security.${member} answered ${JSON.stringify(put.body?.security?.[member])}`);
    }
  }
  expectFact(CORE, "ProjectSettingsToJSON -> PUT /environments/{id}", "stored and answered as sent",
    put.status, putProblems);

  const read = await adminRaw("GET", `/environments/${SANDBOX}`);
  const stored = read.body?.settings ?? {};
  const rawProblems = members.filter((m) => !same(stored.security?.[m], sent.security[m]))
    .map((m) => `security.${m} read back ${JSON.stringify(stored.security?.[m])}`);
  expectFact(CORE, "GET /environments/{id} (raw read-back)", "the five members as sent", read.status,
    rawProblems);
  // Through the newer client's models both ways: what it reads back serializes to what it sent.
  const again = core.ProjectSettingsToJSON(core.ProjectSettingsFromJSON(stored));
  const lost = Object.keys(sent).filter((k) => !same(again[k], sent[k]));
  expectFact(CORE, "ProjectSettingsFromJSON/ToJSON (round trip)", "no field lost or changed", 200,
    lost.length ? [`differs in ${lost.join(", ")}`] : []);

  const typed = await expectSuccess(CORE, "SDKApi.getEnvironmentSettings (read back)", 200, "ProjectSettings",
    () => sdkApi.getEnvironmentSettings({ environmentId: SANDBOX }));
  const typedProblems = members.filter((m) => !same(typed?.security?.[m], wanted[m]))
    .map((m) => `security.${m} is ${JSON.stringify(typed?.security?.[m])}`);
  expectFact(CORE, "SDKApi.getEnvironmentSettings (typed members)", "captcha, lock, notifications, device, external auth",
    200, typedProblems);

  // The lock: the SDK settings are refused, the JWKS is not.
  const locked = core.ProjectSettingsToJSON({ ...typed, security: { ...typed.security,
    environmentLocked: true } });
  const lock = await adminRaw("PUT", `/environments/${SANDBOX}`, locked);
  expectFact(CORE, "ProjectSettingsToJSON -> PUT (environmentLocked: true)", "200", lock.status,
    lock.status === 200 && lock.body?.security?.environmentLocked === true ? [] : [JSON.stringify(lock.body)]);
  await expectError(CORE, "SDKApi.getEnvironmentSettings (locked)", 403, "Forbidden",
    () => sdkApi.getEnvironmentSettings({ environmentId: SANDBOX }));
  await expectSuccess(CORE, "SDKApi.getJwksByEnvironmentId (locked)", 200, "JwksResponse",
    () => sdkApi.getJwksByEnvironmentId({ environmentId: SANDBOX }));
  await expectSuccess(CORE, "SDKApi.getJwksJsonByEnvironmentId (locked)", 200, "JwksResponse",
    () => sdkApi.getJwksJsonByEnvironmentId({ environmentId: SANDBOX }));
  const unlock = await adminRaw("PUT", `/environments/${SANDBOX}`, sent);
  expectFact(CORE, "PUT (environmentLocked: false)", "unlocked again", unlock.status,
    unlock.status === 200 ? [] : [JSON.stringify(unlock.body)]);
  await expectSuccess(CORE, "SDKApi.getEnvironmentSettings (unlocked)", 200, "ProjectSettings",
    () => sdkApi.getEnvironmentSettings({ environmentId: SANDBOX }));
}
