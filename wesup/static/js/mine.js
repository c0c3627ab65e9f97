// My tasks: the quick-add form (n focuses it, Enter saves), the queues of my lines (Take),
// my open tasks oldest first with ticking timers, and the ones I closed this shift; the
// handovers waiting for me and "Hand over my shift"; everything stays live.

import { api } from "./api.js";
import { enhanceChatSelect } from "./combobox.js";
import { errorMessage, readJSON, showFieldErrors, t, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { startLive } from "./live.js";
import { handoverDialog } from "./handovers.js";
import { recipient } from "./owners.js";
import { startNotifier } from "./notify.js";
import { TaskDialog } from "./taskdialog.js";
import { startTeamwork } from "./teampage.js";
import { startKeys } from "./keys.js";
import { boardOrder, canTake, newestFirst, newestResolvedFirst, oldestFirst } from "./rules.js";
import { highlight, placeRow, removeRows, renderRow } from "./taskrow.js";
import { TaskStore, taskActions } from "./taskstore.js";
import { inputValue } from "./teamtime.js";
import { startTimers } from "./timefmt.js";

const COLUMNS = {
  queue: ["task", "received", "duration", "actions"],
  open: ["task", "chips", "received", "duration", "actions"],
  closed: ["task", "chips", "received", "resolved", "duration", "actions"],
};

const page = readJSON("page-data");
const me = page.me;
const store = new TaskStore(page);
store.load([...page.queue, ...page.open, ...page.closed_this_shift]);
const ctx = { me, store, actions: taskActions(store) };
ctx.dialog = new TaskDialog(ctx);

const tables = {
  queue: document.querySelector("#queue-tasks tbody"),
  open: document.querySelector("#open-tasks tbody"),
  closed: document.querySelector("#closed-tasks tbody"),
};
let shift = page.shift; // {start, end}: "closed this shift" (WESUP_SHIFTS)
const instant = (iso) => Date.parse(iso);

// Where a task goes on this page: my lines' queue, open, closed this shift, or nowhere.
function section(task) {
  if (task.deleted) return null;
  if (!task.agent) {
    // the queues of my own lines (a lead may take from any, but is shown their own)
    const mine = (me.group_ids || []).includes(task.group?.id);
    return !task.resolved_at && mine && canTake(me, task) ? "queue" : null;
  }
  if (task.agent.id !== me.id) return null;
  if (!task.resolved_at) return "open";
  const resolved = instant(task.resolved_at);
  return resolved >= instant(shift.start) && resolved < instant(shift.end) ? "closed" : null;
}

// Open tasks: urgent first, then oldest first, or newest first when the person chose so
// (remembered in this browser).
const ORDER_KEY = "wesup.mine.order";
const orderSelect = document.getElementById("open-order");
const openOrder = () =>
  orderSelect?.value === "newest"
    ? (a, b) => Number(Boolean(b.urgent)) - Number(Boolean(a.urgent)) || newestFirst(a, b)
    : boardOrder;
const precedes = { queue: oldestFirst, open: (a, b) => openOrder()(a, b), closed: newestResolvedFirst };
if (orderSelect) {
  orderSelect.closest("label").hidden = false; // a choice only the script can honour
  orderSelect.value = window.localStorage.getItem(ORDER_KEY) === "newest" ? "newest" : "oldest";
  orderSelect.addEventListener("change", () => {
    window.localStorage.setItem(ORDER_KEY, orderSelect.value);
    renderAll();
  });
}

function place(task, { quiet = false } = {}) {
  const focused = removeRows(document.querySelector("main"), task.id);
  const where = section(task);
  if (where) {
    const row = renderRow(task, COLUMNS[where], ctx);
    placeRow(tables[where], row, (other) => {
      const next = store.get(other.dataset.taskId);
      return next && precedes[where](task, next) < 0;
    });
    if (focused) row.focus({ preventScroll: true });
    if (!quiet) highlight(row);
  }
  updateCounts();
}

function renderAll() {
  for (const body of Object.values(tables)) body.replaceChildren();
  for (const task of store.tasks()) place(task, { quiet: true });
}

function updateCounts() {
  for (const [name, body] of Object.entries(tables)) {
    const count = body.rows.length;
    document.querySelector(`[data-count="${name}"]`).textContent = String(count);
    document.querySelector(`[data-empty="${name}"]`).hidden = count > 0;
    body.closest("table").hidden = count === 0;
  }
  // The queues' section is there for members of a line
  document.getElementById("queue").hidden = !(me.group_ids || []).length && !tables.queue.rows.length;
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
  if (form.elements.for) form.elements.for.value = "";
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
  // leads and admins log a request for somebody else or straight into a line's queue
  if (form.elements.for) Object.assign(data, recipient(form.elements.for.value));
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
  saved(result.data.task);
});

// --- saved means seen: the toast, Open and Undo, the row brought into view -------------------

const UNDO_MS = 10_000;
let undoable = null; // {task, toast, until}: the last task saved here, while it may be undone

function saved(task) {
  const row = document.querySelector(`main tr[data-task-id="${task.id}"]`);
  if (row) {
    row.scrollIntoView({ block: "nearest" });
    highlight(row);
  }
  undoable?.toast.remove();
  const item = toast(t("task_saved"), "info", {
    ms: UNDO_MS,
    actions: [
      { label: t("open"), onclick: () => ctx.dialog.open(task.id) },
      { label: t("undo"), onclick: () => undo() },
    ],
  });
  undoable = { task, toast: item, until: Date.now() + UNDO_MS };
}

// Undo the last save within 10 s: a soft delete through the same road as Delete (logged,
// gone from every board at once, a lead can still restore it).
function undo() {
  if (!undoable || Date.now() > undoable.until) return false;
  const { task, toast: item } = undoable;
  undoable = null;
  item.remove();
  ctx.actions.remove(store.get(task.id) || task).then((result) => {
    if (result.ok) toast(t("task_undone"));
    else toast(errorMessage(result), "error");
  });
  return true;
}

// Esc in the quick-add leaves it for the rows: on the task just saved, if any.
function leaveField(field) {
  const row = undoable && document.querySelector(`main tr[data-task-id="${undoable.task.id}"]`);
  if (form.contains(field) && row) row.focus();
  else field.blur();
}

// Ctrl+Enter saves from the description box too (Enter there makes a new line).
form.elements.description.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// The keys (keys.js): n jumps to the title, z undoes the last save, Esc leaves a field.
startKeys(ctx, {
  newTask: () => {
    title.focus();
    title.select();
    return true;
  },
  undo,
  leaveField,
});

// --- live -----------------------------------------------------------------------------------

const notifier = startNotifier({ me });
const teamwork = startTeamwork({ ctx, notifier, page });

async function reload() {
  const [result] = await Promise.all([
    api("GET", "/api/tasks/mine"),
    store.refreshDirectories(),
    teamwork.reload(),
  ]);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return undefined;
  }
  shift = result.data.shift;
  store.load([...result.data.queue, ...result.data.open, ...result.data.closed_this_shift]);
  renderAll();
  return result.data.seq;
}

store.onTask((task) => place(task));
store.onDirectory(() => {
  picker.setChats(store.chats);
  fillStatuses();
  renderAll();
});

handoverDialog({
  me,
  store,
  button: document.getElementById("hand-over"),
  openCount: () => tables.open.rows.length,
});

// The board room: my own tasks, my lines' queues, plus colleagues' new ones to notify about.
const live = startLive({
  view: "board",
  seq: page.seq,
  on: {
    ...store.handlers({
      ...teamwork.taskHandlers,
      [eventKind("TASK_CREATED")]: notifier.taskCreated,
    }),
    ...teamwork.handoverHandlers,
  },
  reload,
});

renderAll();
freshReceived();
setInterval(() => {
  freshReceived();
  // The shift ended: take the new shift's snapshot ("closed this shift" starts over).
  if (Date.now() >= instant(shift.end)) live.reload("new shift");
}, 20_000);
startTimers(document.querySelector("main"));
if (form.querySelector(".field-error:not([hidden])")) title.focus();
