// One task-row renderer for My tasks and All tasks: each page picks its columns.
// Rows carry data-task-id; everything user-written goes in as text.

import { el, errorMessage, t, toast } from "./dom.js";
import { holderName, lineTag, takeTask } from "./owners.js";
import { canEdit, canTake, summaryCounter } from "./rules.js";
import { stamp } from "./teamtime.js";
import { formatDuration, secondsBetween } from "./timefmt.js";

// A status as a colored chip; a button when clicking it changes the task's status.
export function statusChip(status, { current = false, onclick = null } = {}) {
  const props = {
    class: `chip${current ? " current" : ""}`,
    style: { "--c": status.color },
    dataset: { statusId: status.id, category: status.category },
  };
  if (!onclick) return el("span", props, status.name);
  return el(
    "button",
    { ...props, type: "button", "aria-pressed": current ? "true" : "false", onclick },
    status.name,
  );
}

export async function changeStatus(ctx, task, statusId) {
  if (task.status.id === statusId) return;
  const result = await ctx.actions.setStatus(task, statusId);
  if (!result.ok) toast(errorMessage(result), "error");
}

export async function deleteTask(ctx, task) {
  if (!window.confirm(t("confirm_delete", { title: task.title }))) return false;
  const result = await ctx.actions.remove(task);
  if (result.ok) toast(t("task_deleted"));
  else toast(errorMessage(result), "error");
  return result.ok;
}

export async function restoreTask(ctx, task) {
  const result = await ctx.actions.restore(task);
  if (result.ok) toast(t("task_restored"));
  else toast(errorMessage(result), "error");
  return result.ok;
}

function chips(task, ctx) {
  if (!canEdit(ctx.me, task)) return [statusChip(task.status, { current: true })];
  const offered = ctx.store.statuses;
  const list = offered.some((status) => status.id === task.status.id)
    ? []
    : [statusChip(task.status, { current: true })]; // an archived status stays on its tasks
  for (const status of offered) {
    const current = status.id === task.status.id;
    list.push(
      statusChip(status, {
        current,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true; // one click, one change
          await changeStatus(ctx, ctx.store.get(task.id) || task, status.id);
          button.disabled = false; // still here when the change failed
        },
      }),
    );
  }
  return list;
}

function duration(task) {
  const timer = el("span", { dataset: { since: task.received_at } });
  if (task.resolved_at) {
    timer.dataset.until = task.resolved_at;
    timer.textContent = formatDuration(secondsBetween(task.received_at, task.resolved_at));
    return [timer];
  }
  timer.textContent = formatDuration(secondsBetween(task.received_at));
  return [el("span", { class: "open-label" }, t("open_for")), " ", timer];
}

function titleButton(task, ctx) {
  return el(
    "button",
    { type: "button", class: "title-link", onclick: () => ctx.dialog.open(task.id) },
    task.title,
  );
}

// Take, on a task waiting in a queue the reader may take from.
function takeButton(task, ctx) {
  if (!canTake(ctx.me, task)) return null;
  return el(
    "button",
    {
      type: "button",
      class: "small primary take",
      onclick: async (event) => {
        event.currentTarget.disabled = true; // one press, one request
        await takeTask(ctx, ctx.store.get(task.id) || task);
      },
    },
    t("take"),
  );
}

// The owner, or the queue it waits in with a Take button for those who may.
function holder(task, ctx) {
  if (task.agent) return task.agent.name;
  return [el("span", { class: "queued" }, holderName(task)), " ", takeButton(task, ctx)];
}

function actions(task, ctx) {
  const buttons = [takeButton(task, ctx)].filter(Boolean);
  if (task.deleted && ctx.me.can_edit_every) {
    buttons.push(
      el("button", { type: "button", class: "small", onclick: () => restoreTask(ctx, task) }, t("restore")),
    );
  }
  if (canEdit(ctx.me, task)) {
    buttons.push(
      el("button", { type: "button", class: "small", onclick: () => ctx.dialog.open(task.id) }, t("edit")),
      el(
        "button",
        {
          type: "button",
          class: "small danger-link",
          onclick: () => deleteTask(ctx, ctx.store.get(task.id) || task),
        },
        t("delete"),
      ),
    );
  }
  return buttons;
}

const COLUMNS = {
  agent: holder,
  line: (task) => lineTag(task.group) || "",
  chat: (task) => (task.chat ? task.chat.name : "—"),
  status: (task) => statusChip(task.status, { current: true }),
  chips,
  title: titleButton,
  // Title with its chat and latest comment under it: the compact My tasks column.
  task: (task, ctx) => [
    titleButton(task, ctx),
    el(
      "div",
      { class: "meta" },
      lineTag(task.group),
      task.chat ? el("span", { class: "chat-name" }, task.chat.name) : null,
      task.last_comment ? el("span", { class: "last-comment" }, task.last_comment) : null,
    ),
  ],
  comment: (task) => task.last_comment || "",
  received: (task) => stamp(task.received_at),
  resolved: (task) => (task.resolved_at ? stamp(task.resolved_at) : "—"),
  duration,
  actions,
};

export function renderRow(task, columns, ctx) {
  const classes = ["task"];
  if (task.resolved_at) classes.push("resolved");
  if (task.deleted) classes.push("deleted");
  if (summaryCounter(task.resolved_at, task.status.category) === "postponed") {
    classes.push("postponed");
  }
  if (!task.agent) classes.push("unassigned");
  // focusable, so that a key (a: assign or hand on) can act on the row in focus
  const row = el("tr", { class: classes.join(" "), tabindex: 0, dataset: { taskId: task.id } });
  for (const column of columns) {
    row.append(el("td", { class: `c-${column}` }, COLUMNS[column](task, ctx)));
  }
  return row;
}

export function removeRows(root, taskId) {
  for (const row of root.querySelectorAll(`tr[data-task-id="${Number(taskId)}"]`)) row.remove();
}

// Put a row where it belongs in a sorted body: before the first row it should precede.
export function placeRow(body, row, precedes) {
  for (const other of body.rows) {
    if (other !== row && precedes(other)) {
      body.insertBefore(row, other);
      return;
    }
  }
  body.append(row);
}

// The task of the row that has the keyboard focus (or holds it), if any.
export function focusedTaskId() {
  const row = document.activeElement?.closest?.("tr[data-task-id]");
  return row ? Number(row.dataset.taskId) : null;
}

// Draw attention to a row that just appeared or changed.
export function highlight(row) {
  row.classList.add("changed");
  setTimeout(() => row.classList.remove("changed"), 2000);
}
