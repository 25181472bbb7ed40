// The routes the contract covered first: environments, projects, origins, tokens, the per-user
// session revocation, custom hostnames, and authentication, through @dynamic-labs/sdk-api 0.0.847.

import { expectError, expectFact, expectSuccess } from "../lib/harness.mjs";

export async function environmentsScenario(ctx) {
  const { OFFICIAL, sdk, admin, clients, ADMIN_TOKEN } = ctx;
  const { ORGANIZATION, PROJECT, SANDBOX, LIVE, UNKNOWN } = ctx.ids;

  // Environments and projects.
  const sandbox = await expectSuccess(OFFICIAL, "EnvironmentsApi.getEnvironmentById", 200, "ProjectEnvironment",
    () => admin.environments.getEnvironmentById({ environmentId: SANDBOX }));
  await expectSuccess(OFFICIAL, "EnvironmentsApi.getEnvironmentsByProjectId", 200, "EnvironmentsResponse",
    () => admin.environments.getEnvironmentsByProjectId({ projectId: PROJECT }));
  await expectSuccess(OFFICIAL, "ProjectsApi.getProjectById", 200, "Project",
    () => admin.projects.getProjectById({ projectId: PROJECT }));
  const created = await expectSuccess(OFFICIAL, "ProjectsApi.createProject", 201, "CreateProjectResponse",
    () => admin.projects.createProject({ organizationId: ORGANIZATION, projectRequest: { name: "contract" } }));
  const createdEnvironments = created?.project?.projectEnvironments ?? [];
  const names = createdEnvironments.map((e) => e.environmentName).sort().join(",");
  expectFact(OFFICIAL, "ProjectsApi.createProject (environments)", "one sandbox, one live", 201,
    names === "live,sandbox" ? [] : [`environments ${names}`]);
  for (const environment of createdEnvironments) {
    await expectSuccess(OFFICIAL, `EnvironmentsApi.getEnvironmentById (new ${environment.environmentName})`, 200,
      "ProjectEnvironment", () => admin.environments.getEnvironmentById({ environmentId: environment.id }));
  }
  if (sandbox?.settings) {
    const settings = sandbox.settings;
    settings.security = { ...settings.security, jwtDuration: { amount: 4, unit: sdk.TimeUnitEnum.Hours } };
    await expectSuccess(OFFICIAL, "EnvironmentsApi.updateProjectSettings", 200, "ProjectSettings",
      () => admin.environments.updateProjectSettings({ environmentId: SANDBOX, projectSettings: settings }));
    const reread = await admin.environments.getEnvironmentById({ environmentId: SANDBOX });
    const jwt = reread.settings?.security?.jwtDuration;
    expectFact(OFFICIAL, "EnvironmentsApi.updateProjectSettings (read back)", "4 hours stored", 200,
      jwt?.amount === 4 && jwt?.unit === "hours" ? [] : [`read back ${JSON.stringify(jwt)}`]);
    const tooLong = { ...settings, security: { ...settings.security, jwtDuration: { amount: 31, unit: sdk.TimeUnitEnum.Days } } };
    await expectError(OFFICIAL, "EnvironmentsApi.updateProjectSettings (JWT 31 days)", 422, "UnprocessableEntity",
      () => admin.environments.updateProjectSettings({ environmentId: SANDBOX, projectSettings: tooLong }),
      { code: "invalid_update" });
  }

  // Origins.
  await expectSuccess(OFFICIAL, "OriginsApi.getOrigins", 200, "OriginsResponse",
    () => admin.origins.getOrigins({ environmentId: LIVE }));
  const added = await expectSuccess(OFFICIAL, "OriginsApi.addOrigin", 201, "InlineResponse201",
    () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://contract.example.com" } }));
  await expectError(OFFICIAL, "OriginsApi.addOrigin (duplicate)", 422, "UnprocessableEntity",
    () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://contract.example.com" } }),
    { code: "duplicate_exists" });
  await expectError(OFFICIAL, "OriginsApi.addOrigin (invalid)", 422, "UnprocessableEntity",
    () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://a.example.com/path" } }),
    { code: "invalid_cors_origins" });
  await expectError(OFFICIAL, "OriginsApi.addOrigin (no origin)", 400, "BadRequest",
    () => admin.origins.addOrigin({ environmentId: SANDBOX, inlineObject: {} }));
  if (added?.origin?.id) {
    await expectSuccess(OFFICIAL, "OriginsApi.deleteOriginById", 204, null,
      () => admin.origins.deleteOriginById({ originId: added.origin.id }));
  }
  await expectError(OFFICIAL, "OriginsApi.deleteOriginById (unknown)", 404, "NotFound",
    () => admin.origins.deleteOriginById({ originId: UNKNOWN }), { code: "not_found" });

  // Tokens.
  await expectSuccess(OFFICIAL, "TokensApi.getTokens", 200, "TokensResponse",
    () => admin.tokens.getTokens({ environmentId: LIVE }));
  const issued = await expectSuccess(OFFICIAL, "TokensApi.postToken", 201, "CreateTokenResponse",
    () => admin.tokens.postToken({
      environmentId: SANDBOX,
      postTokenFields: { note: "contract", scopes: [sdk.TokenScopes.EnvironmentSettingsRead] },
    }));
  const raw = issued?.token?.rawToken ?? "";
  expectFact(OFFICIAL, "TokensApi.postToken (raw token)", "dyn_ + 36 alphanumerics, checksum = last 6", 201,
    /^dyn_[A-Za-z0-9]{36}$/.test(raw) && issued.token.checksum === raw.slice(-6) ? [] : ["bad rawToken or checksum"]);
  await expectError(OFFICIAL, "TokensApi.postToken (unknown scope)", 422, "UnprocessableEntity",
    () => admin.tokens.postToken({ environmentId: SANDBOX, postTokenFields: { note: "x", scopes: ["environment.everything"] } }),
    { code: "invalid_scopes" });

  const readOnly = clients(raw);
  await expectSuccess(OFFICIAL, "EnvironmentsApi.getEnvironmentById (issued token)", 200, "ProjectEnvironment",
    () => readOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "EnvironmentsApi.getEnvironmentById (other environment)", 403, "Forbidden",
    () => readOnly.environments.getEnvironmentById({ environmentId: LIVE }));
  await expectError(OFFICIAL, "OriginsApi.addOrigin (read-only token)", 403, "Forbidden",
    () => readOnly.origins.addOrigin({ environmentId: SANDBOX, inlineObject: { origin: "https://ro.example.com" } }));
  await expectError(OFFICIAL, "TokensApi.getTokens (no apiTokens scope)", 403, "Forbidden",
    () => readOnly.tokens.getTokens({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "ProjectsApi.getProjectById (issued token)", 403, "Forbidden",
    () => readOnly.projects.getProjectById({ projectId: PROJECT }));
  await expectError(OFFICIAL, "UsersApi.revokeUserSessions (no users scope)", 403, "ForbiddenWithErrorAndPayload",
    () => readOnly.users.revokeUserSessions({ environmentId: SANDBOX, userId: "user-1" }));

  if (issued?.token?.id) {
    await expectSuccess(OFFICIAL, "TokensApi.deleteTokenById", 204, null,
      () => admin.tokens.deleteTokenById({ environmentId: SANDBOX, tokenId: issued.token.id }));
    await expectError(OFFICIAL, "EnvironmentsApi.getEnvironmentById (deleted token)", 401, "Unauthorized",
      () => readOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
  }
  await expectError(OFFICIAL, "TokensApi.deleteTokenById (unknown)", 404, "NotFound",
    () => admin.tokens.deleteTokenById({ environmentId: SANDBOX, tokenId: UNKNOWN }), { code: "not_found" });

  // Sessions.
  await expectSuccess(OFFICIAL, "UsersApi.revokeUserSessions", 204, null,
    () => admin.users.revokeUserSessions({ environmentId: LIVE, userId: "user-1" }));
  await expectError(OFFICIAL, "UsersApi.revokeUserSessions (unknown environment)", 404, "NotFound",
    () => admin.users.revokeUserSessions({ environmentId: UNKNOWN, userId: "user-1" }), { code: "not_found" });

  // Custom hostnames.
  await expectSuccess(OFFICIAL, "CustomHostnamesApi.getCustomHostnames", 200, "CustomHostnamesResponse",
    () => admin.hostnames.getCustomHostnames({ environmentId: LIVE }));
  const hostname = await expectSuccess(OFFICIAL, "CustomHostnamesApi.createCustomHostname", 201, "CustomHostname",
    () => admin.hostnames.createCustomHostname({
      environmentId: SANDBOX,
      customHostnameCreateRequest: { hostname: "auth.contract.example", usage: sdk.CustomHostnameUsageEnum.Cookies },
    }));
  expectFact(OFFICIAL, "CustomHostnamesApi.createCustomHostname (status)", "pending", 201,
    hostname?.status === "pending" ? [] : [`status ${hostname?.status}`]);
  await expectError(OFFICIAL, "CustomHostnamesApi.createCustomHostname (invalid)", 422, "UnprocessableEntity",
    () => admin.hostnames.createCustomHostname({
      environmentId: SANDBOX,
      customHostnameCreateRequest: { hostname: "not a hostname", usage: sdk.CustomHostnameUsageEnum.Cookies },
    }), { code: "invalid_custom_hostname" });
  if (hostname?.id) {
    await expectSuccess(OFFICIAL, "CustomHostnamesApi.deleteCustomHostname", 204, null,
      () => admin.hostnames.deleteCustomHostname({ environmentId: SANDBOX, customHostnameId: hostname.id }));
  }
  await expectError(OFFICIAL, "CustomHostnamesApi.deleteCustomHostname (unknown)", 404, "NotFound",
    () => admin.hostnames.deleteCustomHostname({ environmentId: SANDBOX, customHostnameId: UNKNOWN }),
    { code: "not_found" });

  // Authentication.
  const anonymous = clients(undefined);
  await expectError(OFFICIAL, "EnvironmentsApi.getEnvironmentById (no token)", 401, "Unauthorized",
    () => anonymous.environments.getEnvironmentById({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "TokensApi.getTokens (unknown token)", 401, "Unauthorized",
    () => clients("dyn_notarealtoken").tokens.getTokens({ environmentId: SANDBOX }));
  // The client's own accessToken is not sent on operations without bearerAuth in the spec.
  const accessTokenOnly = clients(ADMIN_TOKEN, { viaAccessToken: true });
  await expectSuccess(OFFICIAL, "EnvironmentsApi.getEnvironmentById (accessToken)", 200, "ProjectEnvironment",
    () => accessTokenOnly.environments.getEnvironmentById({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "OriginsApi.getOrigins (accessToken, not sent by the client)", 401, "Unauthorized",
    () => accessTokenOnly.origins.getOrigins({ environmentId: SANDBOX }));
  await expectError(OFFICIAL, "EnvironmentsApi.getEnvironmentById (unknown)", 404, "NotFound",
    () => admin.environments.getEnvironmentById({ environmentId: UNKNOWN }), { code: "not_found" });
  await expectError(OFFICIAL, "ProjectsApi.getProjectById (unknown)", 404, "NotFound",
    () => admin.projects.getProjectById({ projectId: UNKNOWN }), { code: "not_found" });
}
