// The server's enums (wesup/enums.py), rendered into every page by templates/_enums.html:
// event kinds, status categories and roles. Scripts never keep twin lists of them, so a kind
// the server adds is handled without a change here. Read on first use, not on import.

import { readJSON } from "./dom.js";

let enums = null;

function all() {
  if (enums === null) enums = readJSON("wesup-enums") || {};
  return enums;
}

// One event kind by its Python name, e.g. eventKind("TASK_CREATED") === "task.created".
export function eventKind(name) {
  const kind = (all().EventKind || {})[name];
  if (!kind) throw new Error(`unknown event kind ${name}`);
  return kind;
}

// Every event kind the log records, e.g. "task.created", "chat.archived".
export const eventKinds = () => Object.values(all().EventKind || {});

// The kinds that carry a task as it is after the change; pages apply them all alike.
export const taskKinds = () => eventKinds().filter((kind) => kind.startsWith("task."));

// The kinds of one directory ("chat" or "status"), e.g. "chat.updated".
export const directoryKinds = (entry) =>
  eventKinds().filter((kind) => kind.startsWith(`${entry}.`));
