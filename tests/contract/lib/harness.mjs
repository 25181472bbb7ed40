// Calls through an official client, with the exact wire answer kept aside, and the record of
// every check: one line each, and a summary of the operations each package exercised.
//
// A "kit" is one official package: { label, prefix, sdk, checker }. Operations are recorded
// as `${prefix}${Api}.${operation}` (the 0.0.847 client's prefix is empty).

let lastExchange = null;

// The fetch every client is configured with: it remembers the last status and body text.
export async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  lastExchange = { status: response.status, text: await response.clone().text() };
  return response;
}

const results = [];
const covered = new Set();

export function record(operation, expectation, status, problems) {
  covered.add(operation.split(" ")[0]);
  results.push({ operation, expectation, status, problems });
}

// `type` is a model name, or `Array<Model>`, or null for an empty body.
export async function expectSuccess(kit, operation, status, type, call) {
  lastExchange = null;
  const problems = [];
  const name = `${kit.prefix}${operation}`;
  let value;
  try {
    value = await call();
  } catch (error) {
    const detail = error instanceof Response
      ? `answered ${error.status} ${await error.text()}`
      : `threw ${error}`;
    record(name, `${status} ${type ?? "(empty)"}`, error?.status, [detail]);
    return undefined;
  }
  if (lastExchange === null) {
    problems.push("no request was sent");
  } else {
    if (lastExchange.status !== status) problems.push(`status ${lastExchange.status}, expected ${status}`);
    if (type) {
      const model = kit.checker.modelOf(type);
      if (kit.checker.readModel(model) === null) problems.push(`no ${model}.d.ts model in the client`);
      let wire;
      try {
        wire = JSON.parse(lastExchange.text);
      } catch {
        problems.push(`body is not JSON: ${lastExchange.text.slice(0, 80)}`);
      }
      if (wire !== undefined) kit.checker.check(wire, type, type, problems, false);
      if (typeof kit.sdk[`${model}FromJSON`] !== "function") problems.push(`no ${model}FromJSON in the client`);
      kit.checker.check(value, type, `${type}(FromJSON)`, problems, true);
    } else if (lastExchange.text !== "") {
      problems.push(`expected an empty body, got ${lastExchange.text.slice(0, 80)}`);
    }
  }
  record(name, `${status} ${type ?? "(empty)"}`, lastExchange?.status, problems);
  return value;
}

export async function expectError(kit, operation, status, modelName, call, { code } = {}) {
  lastExchange = null;
  const problems = [];
  let answered;
  try {
    await call();
    problems.push(`succeeded; expected ${status}`);
  } catch (error) {
    if (!(error instanceof Response)) {
      problems.push(`threw ${error} instead of the raw Response (the client throws the Response)`);
    } else {
      answered = error.status;
      if (error.status !== status) problems.push(`status ${error.status}, expected ${status}`);
      let body;
      try {
        body = await error.json();
      } catch {
        problems.push("error body is not JSON");
      }
      if (kit.checker.readModel(modelName) === null) problems.push(`no ${modelName}.d.ts model in the client`);
      if (body !== undefined) {
        kit.checker.checkModel(body, modelName, modelName, problems, false);
        const fromJson = kit.sdk[`${modelName}FromJSON`];
        if (typeof fromJson === "function") {
          kit.checker.checkModel(fromJson(body), modelName, `${modelName}(FromJSON)`, problems, true);
        }
        // The members the models leave optional but the emulator promises.
        if (modelName === "ForbiddenWithErrorAndPayload") {
          if (typeof body.error?.code !== "string" || typeof body.error?.message !== "string") {
            problems.push("error.code and error.message must be strings");
          }
        } else if (typeof body.error !== "string") {
          problems.push("error must be a string");
        }
        if (modelName === "BadRequest" && body.status !== 400 && operation.startsWith("OriginsApi")) {
          problems.push("status member must be 400");
        }
        if (code !== undefined && body.code !== code) problems.push(`code ${body.code}, expected ${code}`);
      }
    }
  }
  record(`${kit.prefix}${operation}`, `${status} ${modelName}${code ? ` ${code}` : ""}`, answered, problems);
}

// A check of a fact across calls (a read-back, a revocation seen later): PASS when
// `problems` is empty.
export function expectFact(kit, operation, expectation, status, problems) {
  record(`${kit.prefix}${operation}`, expectation, status, problems);
}

// Prints every check and the summary; returns the exit code.
export function summarize(kits) {
  for (const kit of kits) {
    for (const operation of kit.operations) {
      const name = `${kit.prefix}${operation}`;
      if (!covered.has(name)) {
        results.push({ operation: name, expectation: "called at least once", status: undefined, problems: ["never called"] });
      }
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
  const exercised = kits.map((kit) => {
    const count = kit.operations.filter((op) => covered.has(`${kit.prefix}${op}`)).length;
    return `${count} operations of ${kit.label}`;
  });
  console.log(`${results.length} checks, ${failed} failed; ${exercised.join(" and ")} exercised.`);
  return failed === 0 ? 0 : 1;
}
