// All tasks: every agent's tasks for a period, filtered, with the summary line and who is
// online; rows appear, move, recolor and leave live.

import { api } from "./api.js";
import { el, errorMessage, readJSON, t, toast } from "./dom.js";
import { startLive } from "./live.js";
import { startNotifier } from "./notify.js";
import { TaskDialog } from "./taskdialog.js";
import { highlight, placeRow, removeRows, renderRow, time } from "./taskrow.js";
import { TaskStore, taskActions } from "./taskstore.js";
import { teamDay } from "./teamtime.js";
import { startTimers } from "./timefmt.js";

const page = readJSON("page-data");
const me = page.me;
const store = new TaskStore(page);
store.load(page.tasks);
const ctx = { me, store, actions: taskActions(store) };
ctx.dialog = new TaskDialog(ctx);

const COLUMNS = ["agent", "chat", "status", "title", "comment", "received", "resolved", "duration"];
if (page.deleted) COLUMNS.push("actions");
const body = document.querySelector("#board tbody");

// The one rule for a live task: on this page when it was open at some moment of the period
// (received before the period ends, not resolved before it starts) and matches the filters.
export function belongs(task, { period, filters, deleted } = page) {
  if (Boolean(task.deleted) !== Boolean(deleted)) return false;
  if (teamDay(task.received_at) > period.to) return false;
  if (task.resolved_at && teamDay(task.resolved_at) < period.from) return false;
  if (filters.agent && task.agent.id !== filters.agent) return false;
  if (filters.status && task.status.id !== filters.status) return false;
  if (filters.chat && task.chat?.id !== filters.chat) return false;
  return true;
}

const order = (a, b) => time(a.received_at) - time(b.received_at) || a.id - b.id;

function place(task, { quiet = false } = {}) {
  removeRows(body, task.id);
  if (belongs(task)) {
    const row = renderRow(task, COLUMNS, ctx);
    placeRow(body, row, (other) => {
      const next = store.get(other.dataset.taskId);
      return next && order(task, next) < 0;
    });
    if (!quiet) highlight(row);
  }
  updateSummary();
}

function renderAll() {
  body.replaceChildren();
  for (const task of store.tasks()) place(task, { quiet: true });
  updateSummary();
}

// Open (not postponed), postponed and resolved, counted as the server's service.summary does.
function updateSummary() {
  const counts = { open: 0, postponed: 0, resolved: 0 };
  for (const task of store.tasks()) {
    if (!belongs(task)) continue;
    if (task.resolved_at) counts.resolved += 1;
    else if (task.status.category === "postponed") counts.postponed += 1;
    else counts.open += 1;
  }
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

function snapshotUrl() {
  const params = new URLSearchParams({ from: page.period.from, to: page.period.to });
  for (const [name, value] of Object.entries(page.filters)) {
    if (value) params.set(name, String(value));
  }
  if (page.deleted) params.set("deleted", "1");
  return `/api/tasks?${params}`;
}

async function reload() {
  const [result] = await Promise.all([api("GET", snapshotUrl()), store.refreshDirectories()]);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return undefined;
  }
  store.load(result.data.tasks);
  renderAll();
  return result.data.seq;
}

store.onTask((task) => place(task));
store.onDirectory(renderAll);

const notifier = startNotifier({ me });
startLive({
  view: "board",
  seq: page.seq,
  on: store.handlers({ "task.created": notifier.taskCreated }),
  onPresence: showPresence,
  reload,
});

renderAll();
startTimers(body);

// A board left open on "today" (no dates in its URL) moves to the new day at midnight.
const startDay = teamDay();
if (!new URLSearchParams(window.location.search).has("from")) {
  setInterval(() => {
    if (teamDay() !== startDay) window.location.reload();
  }, 60_000);
}
