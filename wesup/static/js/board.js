// All tasks: every agent's tasks for a period, filtered (by person, line, "unassigned",
// status, chat), sorted by a column (?sort=, rules.js sortBy), with the summary line and who
// is online; rows appear, move (transfers, takes), recolor and leave live. With ?q= the page
// shows the tasks of all time that hold those words, under the day each arrived on: those
// rows change live, and no other task joins them.

import { api } from "./api.js";
import { el, errorMessage, readJSON, t, toast } from "./dom.js";
import { startLive } from "./live.js";
import { startNotifier } from "./notify.js";
import { TaskDialog } from "./taskdialog.js";
import { startTeamwork } from "./teampage.js";
import { directoryKinds, eventKind } from "./enums.js";
import { startKeys } from "./keys.js";
import { countSummary, inPeriod, parseSort, sortBy } from "./rules.js";
import { highlight, placeRow, removeRows, renderRow } from "./taskrow.js";
import { TaskStore, byName, byPosition, taskActions } from "./taskstore.js";
import { teamDay } from "./teamtime.js";
import { startTimers } from "./timefmt.js";

const page = readJSON("page-data");
const me = page.me;
const store = new TaskStore(page);
store.load(page.tasks);
const ctx = { me, store, actions: taskActions(store) };
ctx.dialog = new TaskDialog(ctx);

const COLUMNS = [
  "agent",
  "line",
  "chat",
  "status",
  "title",
  "comment",
  "received",
  "resolved",
  "duration",
  "activity",
];
if (page.deleted) COLUMNS.push("actions");
const body = document.querySelector("#board tbody");

// The one rule for a live task: on this page when it was open at some moment of the period
// (rules.js inPeriod, the server's own instants for its bounds) and matches the filters.
export function belongs(task, { period, filters, deleted, search } = page) {
  if (Boolean(task.deleted) !== Boolean(deleted)) return false;
  if (search) {
    if (!found.has(task.id)) return false;
  } else if (!inPeriod(task.received_at, task.resolved_at, period.start, period.end)) {
    return false;
  }
  if (filters.agent && task.agent?.id !== filters.agent) return false;
  if (filters.unassigned && task.agent) return false;
  if (filters.group && task.group?.id !== filters.group) return false;
  if (filters.status && task.status.id !== filters.status) return false;
  if (filters.chat && task.chat?.id !== filters.chat) return false;
  return true;
}

// The order of the rows: the column of ?sort= (the server sorted the first paint the same
// way); found tasks go under their day, the newest day first.
const found = new Set(page.search ? page.tasks.map((task) => task.id) : []);
const sorting = parseSort(page.sort);
const byColumn = sortBy(sorting.key, sorting.descending, Date.now());
const dayOf = (task) => teamDay(task.received_at);
const rowOrder = page.search
  ? (a, b) => dayOf(b).localeCompare(dayOf(a)) || byColumn(a, b)
  : byColumn;

// The day headings of a search, as the server worded them ("Tue, 1 December").
const dayLabels = new Map(
  [...body.querySelectorAll("tr.day-group")].map((row) => [row.dataset.day, row.textContent.trim()]),
);
function dayLabel(day) {
  const format = { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" };
  const fallback = new Date(`${day}T12:00:00Z`).toLocaleDateString(document.documentElement.lang, format);
  return dayLabels.get(day) || fallback;
}

function markDays() {
  if (!page.search) return;
  for (const heading of body.querySelectorAll("tr.day-group")) heading.remove();
  let previous = null;
  for (const row of [...body.rows]) {
    const task = store.get(row.dataset.taskId);
    const day = task && dayOf(task);
    if (!day || day === previous) continue;
    previous = day;
    const link = el("a", { href: `/tasks?from=${day}&to=${day}` }, dayLabel(day));
    const heading = el("th", { colspan: COLUMNS.length, scope: "colgroup" }, link);
    body.insertBefore(el("tr", { class: "day-group", dataset: { day } }, heading), row);
  }
}

function place(task, { quiet = false } = {}) {
  const focused = removeRows(body, task.id);
  if (belongs(task)) {
    const row = renderRow(task, COLUMNS, ctx);
    placeRow(body, row, (other) => {
      const next = store.get(other.dataset.taskId);
      return next && rowOrder(task, next) < 0;
    });
    if (focused) row.focus({ preventScroll: true });
    if (!quiet) highlight(row);
  }
  if (!quiet) markDays();
  updateSummary();
}

function renderAll() {
  body.replaceChildren();
  for (const task of store.tasks()) place(task, { quiet: true });
  markDays();
  updateSummary();
}

// Open (not postponed), postponed and resolved, counted as the server's service.summary does.
function updateSummary() {
  const counts = countSummary(store.tasks().filter((task) => belongs(task)));
  for (const [name, count] of Object.entries(counts)) {
    document.querySelector(`[data-summary="${name}"]`).textContent = String(count);
  }
  document.querySelector("[data-empty]").hidden = body.rows.length > 0;
}

function showPresence(online) {
  const list = document.querySelector("[data-online-list]");
  if (!list) return;
  list.replaceChildren(
    ...(online.length
      ? online.map((person) => el("span", { class: "person" }, person.name))
      : [el("span", { class: "muted" }, t("nobody"))]),
  );
}

// The Status, Chat and Line filters follow the directories live (renamed, archived,
// restored, new, deleted), archived entries marked as the server renders them; the Agent
// filter learns people it did not list from their tasks.
const filterLists = {
  status: { entries: new Map(), order: byPosition },
  chat: { entries: new Map(), order: byName },
  group: { entries: new Map(), order: byPosition },
};

function loadFilter(kind, entries) {
  filterLists[kind].entries = new Map(entries.map((entry) => [entry.id, entry]));
  renderFilter(kind);
}

function renderFilter(kind) {
  const select = document.querySelector(`.filters select[name="${kind}"]`);
  if (!select) return;
  const chosen = select.value;
  const { entries, order } = filterLists[kind];
  const options = [...entries.values()].sort(order).map((entry) =>
    el(
      "option",
      { value: entry.id },
      entry.archived ? `${entry.name} (${t("archived")})` : entry.name,
    ),
  );
  select.replaceChildren(select.options[0], ...options); // "Any" stays first
  select.value = chosen;
}

function changeFilter(kind, action, entry) {
  if (!entry) return;
  const { entries } = filterLists[kind];
  // A deleted entry leaves the list, unless the page is filtered by it: the form says so.
  if (action === "deleted" && String(entry.id) !== String(page.filters[kind] ?? "")) {
    entries.delete(entry.id);
  } else {
    entries.set(entry.id, { ...entries.get(entry.id), ...entry });
  }
  renderFilter(kind);
}

function knowAgent(agent) {
  if (!agent) return; // waiting in a queue
  const select = document.querySelector('.filters select[name="agent"]');
  if (!select || [...select.options].some((option) => option.value === String(agent.id))) return;
  const option = el("option", { value: agent.id }, agent.name);
  const after = [...select.options]
    .slice(1)
    .find((other) => other.textContent.localeCompare(agent.name) > 0);
  select.insertBefore(option, after || null);
}

const filterHandlers = {};
for (const entry of ["status", "chat", "group"]) {
  for (const kind of directoryKinds(entry)) {
    const action = kind.slice(entry.length + 1);
    filterHandlers[kind] = (message) => changeFilter(entry, action, message[entry]);
  }
}

function snapshotUrl() {
  const params = page.search
    ? new URLSearchParams({ q: page.search.query })
    : new URLSearchParams({ from: page.period.from, to: page.period.to });
  for (const [name, value] of Object.entries(page.filters)) {
    if (value) params.set(name, String(value));
  }
  if (page.deleted) params.set("deleted", "1");
  return page.search ? `/api/tasks/search?${params}` : `/api/tasks?${params}`;
}

const notifier = startNotifier({ me });
const teamwork = startTeamwork({ ctx, notifier, page });

async function reload() {
  const [result, statuses, chats, groups] = await Promise.all([
    api("GET", snapshotUrl()),
    api("GET", "/api/statuses?archived=1"),
    api("GET", "/api/chats?archived=1"),
    api("GET", "/api/groups?archived=1"),
    store.refreshDirectories(),
    teamwork.reload(),
  ]);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return undefined;
  }
  if (statuses.ok) loadFilter("status", statuses.data.statuses);
  if (chats.ok) loadFilter("chat", chats.data.chats);
  if (groups.ok) loadFilter("group", groups.data.groups);
  if (page.search) {
    found.clear();
    for (const task of result.data.tasks) found.add(task.id);
  }
  store.load(result.data.tasks);
  renderAll();
  return result.data.seq;
}

store.onTask((task) => {
  knowAgent(task.agent);
  place(task);
});
store.onDirectory(renderAll);
loadFilter("status", page.statuses);
loadFilter("chat", page.chats);
loadFilter("group", page.all_groups);

startLive({
  view: "board",
  seq: page.seq,
  on: {
    ...store.handlers({
      ...filterHandlers,
      ...teamwork.taskHandlers,
      [eventKind("TASK_CREATED")]: notifier.taskCreated,
    }),
    ...teamwork.handoverHandlers,
  },
  onPresence: showPresence,
  // Cut off, the page cannot know who is online: the list goes grey until the next connect.
  onConnection: (connected) => {
    document.querySelector(".online")?.classList.toggle("is-stale", !connected);
  },
  reload,
});

renderAll();
startTimers(body);
startKeys(ctx); // j/k, Enter, s, 1–9, c, a, u, /, [ and ], ?

// A board left open on "today" (no dates in its URL) moves to the new day at midnight.
const startDay = teamDay();
if (!new URLSearchParams(window.location.search).has("from")) {
  setInterval(() => {
    if (teamDay() !== startDay) window.location.reload();
  }, 60_000);
}

// Phones: the filters fold behind a button (CSS shows it on narrow screens only).
const filters = document.getElementById("task-filters");
const filtersToggle = document.querySelector(".filters-toggle");
if (filters && filtersToggle) {
  document.body.classList.add("filters-foldable");
  filtersToggle.hidden = false;
  if (filters.querySelector("[aria-invalid]")) filters.classList.add("open");
  filtersToggle.setAttribute("aria-expanded", String(filters.classList.contains("open")));
  filtersToggle.addEventListener("click", () => {
    const open = filters.classList.toggle("open");
    filtersToggle.setAttribute("aria-expanded", String(open));
  });
}
