// My tasks: the quick-add form (n focuses it, Enter saves), my open tasks oldest first with
// ticking timers, and the ones I closed today; everything stays live.

import { api } from "./api.js";
import { enhanceChatSelect } from "./combobox.js";
import { errorMessage, isTyping, readJSON, showFieldErrors, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { startLive } from "./live.js";
import { startNotifier } from "./notify.js";
import { TaskDialog } from "./taskdialog.js";
import { newestResolvedFirst, oldestFirst } from "./rules.js";
import { highlight, placeRow, removeRows, renderRow } from "./taskrow.js";
import { TaskStore, taskActions } from "./taskstore.js";
import { inputValue, teamDay } from "./teamtime.js";
import { startTimers } from "./timefmt.js";

const OPEN_COLUMNS = ["task", "chips", "received", "duration", "actions"];
const CLOSED_COLUMNS = ["task", "chips", "received", "resolved", "duration", "actions"];

const page = readJSON("page-data");
const me = page.me;
const store = new TaskStore(page);
store.load([...page.open, ...page.closed_today]);
const ctx = { me, store, actions: taskActions(store) };
ctx.dialog = new TaskDialog(ctx);

const tables = {
  open: document.querySelector("#open-tasks tbody"),
  closed: document.querySelector("#closed-tasks tbody"),
};
let day = teamDay();

// Where a task goes on this page: open, closed today, or nowhere.
function section(task) {
  if (task.deleted || task.agent.id !== me.id) return null;
  if (!task.resolved_at) return "open";
  return teamDay(task.resolved_at) === day ? "closed" : null;
}

const precedes = { open: oldestFirst, closed: newestResolvedFirst };

function place(task, { quiet = false } = {}) {
  removeRows(document.querySelector("main"), task.id);
  const where = section(task);
  if (where) {
    const row = renderRow(task, where === "open" ? OPEN_COLUMNS : CLOSED_COLUMNS, ctx);
    placeRow(tables[where], row, (other) => {
      const next = store.get(other.dataset.taskId);
      return next && precedes[where](task, next) < 0;
    });
    if (!quiet) highlight(row);
  }
  updateCounts();
}

function renderAll() {
  tables.open.replaceChildren();
  tables.closed.replaceChildren();
  for (const task of store.tasks()) place(task, { quiet: true });
}

function updateCounts() {
  for (const [name, body] of Object.entries(tables)) {
    const count = body.rows.length;
    document.querySelector(`[data-count="${name}"]`).textContent = String(count);
    document.querySelector(`[data-empty="${name}"]`).hidden = count > 0;
    body.closest("table").hidden = count === 0;
  }
}

// --- the quick-add form ---------------------------------------------------------------------

const form = document.getElementById("quick-add");
const title = form.elements.title;
const statusSelect = form.elements.status_id;
const received = form.elements.received_at;
const receivedDefault = form.elements.received_at_default;
const submit = form.querySelector("button[type=submit]");
const formError = form.querySelector(".form-error");
const picker = enhanceChatSelect(form.elements.chat_id, store.chats);
let receivedTouched = false;
let saving = false;

// Until the person sets "received at" by hand it means "now", and keeps showing now.
function freshReceived() {
  if (receivedTouched) return;
  const now = inputValue();
  received.value = now;
  receivedDefault.value = now;
  received.max = inputValue(new Date(Date.now() + 5 * 60_000));
}
received.addEventListener("input", () => {
  receivedTouched = received.value !== receivedDefault.value;
});

function defaultStatusId() {
  const first = store.statuses.find((status) => status.category === "new") || store.statuses[0];
  return first ? String(first.id) : "";
}

function fillStatuses() {
  const chosen = statusSelect.value;
  statusSelect.replaceChildren(
    ...store.statuses.map((status) => new Option(status.name, String(status.id))),
  );
  statusSelect.value = store.statuses.some((s) => String(s.id) === chosen) ? chosen : defaultStatusId();
}

function resetForm() {
  title.value = "";
  form.elements.description.value = "";
  picker.reset();
  statusSelect.value = defaultStatusId();
  receivedTouched = false;
  freshReceived();
  showFieldErrors(form, {});
  formError.hidden = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (saving) return;
  const data = {
    title: title.value,
    chat_id: picker.value,
    status_id: statusSelect.value ? Number(statusSelect.value) : null,
    description: form.elements.description.value,
  };
  if (receivedTouched && received.value) data.received_at = received.value;
  saving = true;
  submit.disabled = true;
  const result = await ctx.actions.create(data); // the store places the new row at once
  saving = false;
  submit.disabled = false;
  if (!result.ok) {
    showFieldErrors(form, result.data?.error?.fields);
    formError.textContent = errorMessage(result);
    formError.hidden = false;
    return;
  }
  resetForm();
  title.focus();
});

// Ctrl+Enter saves from the description box too (Enter there makes a new line).
form.elements.description.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// "n" anywhere (also on a Russian layout: the same key) jumps to the title.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (event.code !== "KeyN" && event.key.toLowerCase() !== "n") return;
  if (document.querySelector("dialog[open]")) return;
  event.preventDefault();
  title.focus();
  title.select();
});

// --- live -----------------------------------------------------------------------------------

async function reload() {
  const [result] = await Promise.all([api("GET", "/api/tasks/mine"), store.refreshDirectories()]);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return undefined;
  }
  store.load([...result.data.open, ...result.data.closed_today]);
  renderAll();
  return result.data.seq;
}

store.onTask((task) => place(task));
store.onDirectory(() => {
  picker.setChats(store.chats);
  fillStatuses();
  renderAll();
});

const notifier = startNotifier({ me });
// The board room: my own tasks, plus colleagues' new ones for the notifications.
startLive({
  view: "board",
  seq: page.seq,
  on: store.handlers({ [eventKind("TASK_CREATED")]: notifier.taskCreated }),
  reload,
});

renderAll();
freshReceived();
setInterval(() => {
  freshReceived();
  if (teamDay() !== day) {
    day = teamDay(); // midnight: yesterday's closed tasks leave "closed today"
    renderAll();
  }
}, 20_000);
startTimers(document.querySelector("main"));
if (form.querySelector(".field-error:not([hidden])")) title.focus();
