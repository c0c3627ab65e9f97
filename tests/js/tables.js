// The case tables in tests/rules/*.json: the same ones tests/test_rules.py checks the
// Python rules against.

import { readFileSync } from "node:fs";

export function table(name) {
  return JSON.parse(readFileSync(new URL(`../rules/${name}.json`, import.meta.url), "utf8"));
}

// [name, case] pairs for test(); a case without a name is called by its position.
export function cases(name) {
  return table(name).cases.map((item, index) => [item.name ?? `case ${index}`, item]);
}
