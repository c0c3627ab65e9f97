// The rules the pages restate from the server, as pure functions of plain data: no document,
// no window, no clock. wesup/rules.py (and timeutil.format_duration) say the same in Python;
// tests/rules/*.json hold the cases both must pass (tests/js/ here, tests/test_rules.py there).
// Times are ISO 8601 strings, as the server sends them.

const instant = (iso) => Date.parse(iso);

// A task belongs to every moment it was open: received before the period [start, end) ends,
// and not resolved before it starts. Yesterday's unresolved task is on today's board.
export function inPeriod(receivedAt, resolvedAt, start, end) {
  return instant(receivedAt) < instant(end) && (!resolvedAt || instant(resolvedAt) >= instant(start));
}

export const SUMMARY_COUNTERS = ["open", "postponed", "resolved"];

// Which counter of the summary line a task adds to: resolved, postponed or open.
export function summaryCounter(resolvedAt, category) {
  if (resolvedAt) return "resolved";
  return category === "postponed" ? "postponed" : "open";
}

// The summary line of a list of tasks: {open, postponed, resolved}.
export function countSummary(tasks) {
  const counts = Object.fromEntries(SUMMARY_COUNTERS.map((name) => [name, 0]));
  for (const task of tasks) counts[summaryCounter(task.resolved_at, task.status.category)] += 1;
  return counts;
}

// Agents edit their own tasks, leads and admins every task, viewers none; a deleted task
// nobody (a lead restores it first). A task in a line's queue is nobody's own: a member takes
// it first. Editing includes handing the task on. `me` is what the page knows of the reader.
export function canEdit(me, task) {
  if (task.deleted) return false;
  return Boolean(me.can_edit_every || (me.works_tasks && task.agent?.id === me.id));
}

// Any agent, lead or admin adds a note to any task; viewers watch; a deleted task takes none.
export function canComment(me, task) {
  return Boolean(me.works_tasks && !task.deleted);
}

// A task waiting in a line's queue is taken by a member of that line (me.group_ids), or by a
// lead or an admin; one that has an owner is not up for taking.
export function canTake(me, task) {
  if (task.deleted || task.agent || !task.group || !me.works_tasks) return false;
  return Boolean(me.can_edit_every || (me.group_ids || []).includes(task.group.id));
}

// Who gets a lane on the wall: a person with open tasks, or who resolved one this shift, or who
// works tasks (shiftAgent: agent, lead, admin) and has WeSup open now. A viewer only watches.
export function onShift({ holdsOpen, resolvedToday, online, shiftAgent }) {
  return Boolean(holdsOpen || resolvedToday || (online && shiftAgent));
}

// Lanes go by name, case aside, in the reader's collation, then by id.
export const byLaneOrder = (a, b) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id - b.id;

// Cards and rows by the time the request arrived; the same moment by id.
export const oldestFirst = (a, b) => instant(a.received_at) - instant(b.received_at) || a.id - b.id;

// Open urgent tasks first, then oldest first: every board's open tasks (rules.board_order).
const urgentOpen = (task) => Number(Boolean(task.urgent && !task.resolved_at));
export const boardOrder = (a, b) => urgentOpen(b) - urgentOpen(a) || oldestFirst(a, b);

// The newest request first (My tasks' "newest first"); the same moment by id, the higher first.
export const newestFirst = (a, b) => instant(b.received_at) - instant(a.received_at) || b.id - a.id;

// How loudly a task's quiet time shouts: "" (fine), "warn" (amber, warnMinutes and more since
// `since`) or "alert" (red, alertMinutes and more); `now` an ISO string or milliseconds. Lists measure from the last activity, the
// wall from arrival; a postponed task (parked) waits on purpose and never shouts.
export function ageLevel(since, now, warnMinutes, alertMinutes, parked = false) {
  if (parked) return "";
  const ms = (value) => (typeof value === "number" ? value : instant(value)); // a clock or ISO
  const minutes = (ms(now) - ms(since)) / 60_000;
  if (minutes >= alertMinutes) return "alert";
  if (minutes >= warnMinutes) return "warn";
  return "";
}

// Tasks resolved most recently first; the same moment by id, the higher first.
export const newestResolvedFirst = (a, b) =>
  instant(b.resolved_at) - instant(a.resolved_at) || b.id - a.id;

// Queue lanes go in the lines' order (Directories), then by id.
export const byQueueOrder = (a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id;

// First one queue lane per line ({group, open, postponed, resolved}: its unassigned tasks), in
// the lines' order; then one lane per person on shift, by name: {agent, open, postponed,
// resolved}, open and postponed cards in boardOrder (urgent, then oldest), tasks resolved since shiftStart newest
// first. `online` is [{id, name}]; `shiftAgentIds` are the people whose being online puts them
// on shift; `groups` the active lines, each of which gets its queue lane.
export function wallLanes(tasks, online, shiftAgentIds, shiftStart, groups = []) {
  const lanes = new Map();
  const queues = new Map();
  const lane = (agent) => {
    if (!lanes.has(agent.id)) lanes.set(agent.id, { agent, open: [], postponed: [], resolved: [] });
    return lanes.get(agent.id);
  };
  const queue = (group) => {
    if (!queues.has(group.id)) queues.set(group.id, { group, open: [], postponed: [], resolved: [] });
    return queues.get(group.id);
  };
  for (const group of groups) queue(group);
  for (const task of tasks) {
    if (task.deleted || (task.resolved_at && instant(task.resolved_at) < instant(shiftStart))) {
      continue;
    }
    const counter = summaryCounter(task.resolved_at, task.status.category);
    if (task.agent) lane(task.agent)[counter].push(task);
    else if (task.group) queue(task.group)[counter].push(task);
  }
  const onlineIds = new Set(online.map((person) => person.id));
  for (const person of online) lane(person);
  const shiftAgents = new Set(shiftAgentIds);
  const shown = [...lanes.values()].filter((item) =>
    onShift({
      holdsOpen: item.open.length + item.postponed.length > 0,
      resolvedToday: item.resolved.length > 0,
      online: onlineIds.has(item.agent.id),
      shiftAgent: shiftAgents.has(item.agent.id),
    }),
  );
  for (const item of [...shown, ...queues.values()]) {
    item.open.sort(boardOrder);
    item.postponed.sort(boardOrder);
    item.resolved.sort(newestResolvedFirst);
  }
  const ordered = [...queues.values()].sort((a, b) => byQueueOrder(a.group, b.group));
  return [...ordered, ...shown.sort((a, b) => byLaneOrder(a.agent, b.agent))];
}

export const DURATION_UNITS = { days: "d", hours: "h", minutes: "min" };

// "1 h 12 min": minutes under an hour, hours and minutes under a day, days and hours beyond.
export function formatDuration(seconds, units = DURATION_UNITS) {
  const totalMinutes = Math.max(0, Math.floor(seconds / 60));
  const totalHours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  const days = Math.floor(totalHours / 24);
  const hours = totalHours % 24;
  if (days) return `${days} ${units.days} ${hours} ${units.hours}`;
  if (hours) return `${hours} ${units.hours} ${minutes} ${units.minutes}`;
  return `${minutes} ${units.minutes}`;
}

// --- sorting All tasks ---------------------------------------------------------------------

const STATUS_ORDER = ["new", "active", "postponed", "done"];
const holderName = (task) => (task.agent || task.group)?.name.toLowerCase() ?? "";

// The columns All tasks sorts by, each a value of a task at `now` (ms): wesup/rules.py
// SORT_KEYS says the same. A new sortable column is one line here and one there.
export const SORT_KEYS = {
  received: (task) => instant(task.received_at),
  duration: (task, now) =>
    ((task.resolved_at ? instant(task.resolved_at) : now) - instant(task.received_at)) / 1000,
  agent: (task) => holderName(task),
  status: (task) => [STATUS_ORDER.indexOf(task.status.category), task.status.name.toLowerCase()],
  activity: (task) => instant(task.last_activity_at || task.received_at),
};
export const DEFAULT_SORT = "received";

// "duration" or "-duration" (descending); anything else is received, oldest first.
export function parseSort(raw) {
  const key = (raw || "").replace(/^-/, "");
  if (!Object.hasOwn(SORT_KEYS, key)) return { key: DEFAULT_SORT, descending: false };
  return { key, descending: (raw || "").startsWith("-") };
}

// Numbers, strings (by code unit, as Python compares them) and arrays of those.
function compareValues(a, b) {
  if (Array.isArray(a)) {
    for (let index = 0; index < a.length; index += 1) {
      const order = compareValues(a[index], b[index]);
      if (order) return order;
    }
    return 0;
  }
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

// A comparator by one column; equal ones oldest first (the whole order turns for descending).
// Open urgent tasks stay on top whatever the column, as on every board (boardOrder).
export function sortBy(key, descending, now) {
  const value = SORT_KEYS[key];
  const sign = descending ? -1 : 1;
  return (a, b) =>
    urgentOpen(b) - urgentOpen(a) ||
    sign * (compareValues(value(a, now), value(b, now)) || oldestFirst(a, b));
}
