// The official clients' models, read from their packages' .d.ts files, and a checker of wire
// documents (and of what the clients' FromJSON made of them) against those models.
//
//   const checker = modelChecker("node_modules/@dynamic-labs/sdk-api/src/models");
//   const problems = [];
//   checker.checkModel(document, "ProjectEnvironment", "ProjectEnvironment", problems, false);
//
// A member the .d.ts marks as required (no `?`) must be present; values are checked against
// their declared types recursively, with enum values and dates.

import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

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

export function modelChecker(modelsDir) {
  const cache = new Map();

  function readModel(name) {
    if (cache.has(name)) return cache.get(name);
    const file = join(modelsDir, `${name}.d.ts`);
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
    cache.set(name, model);
    return model;
  }

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

  // The model a type names ("Array<EventType>" names EventType).
  function modelOf(type) {
    const array = type.match(/^Array<(.+)>$/);
    return array ? array[1] : type;
  }

  return { readModel, check, checkModel, modelOf };
}

// The checker checks itself first: a model it cannot read, or a broken document it lets
// through, would make every later PASS meaningless.
export function selfTest(checker, cases) {
  const failures = [];
  for (const [document, type, expected] of cases) {
    const problems = [];
    checker.check(document, type, type, problems, false);
    if (!problems.some((p) => p.includes(expected))) {
      failures.push(`${type}: expected a problem about ${expected}, got ${JSON.stringify(problems)}`);
    }
  }
  if (failures.length) {
    console.error(`The model checker is broken:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
}
