// One task-row renderer for My tasks and All tasks: each page picks its columns.
// Rows carry data-task-id; everything user-written goes in as text.

import { el, errorMessage, t, toast } from "./dom.js";
import { holderName, lineTag, takeTask } from "./owners.js";
import { canEdit, canTake, summaryCounter } from "./rules.js";
import { stamp } from "./teamtime.js";
import { formatDuration, secondsBetween, tickTimers } from "./timefmt.js";

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

// Status number n (1-based, as on the menu and the digit keys: the statuses on offer, in
// their order) for a task.
export function pickStatus(ctx, task, n) {
  const status = ctx.store.statuses[n - 1];
  if (status) changeStatus(ctx, ctx.store.get(task.id) || task, status.id);
}

let menu = null;

function closeMenu({ refocus = true } = {}) {
  if (!menu) return;
  const { node, anchor } = menu;
  menu = null;
  node.remove();
  if (refocus && anchor?.isConnected) anchor.focus();
}

// The status menu of a row: every status, numbered, the current one checked. Opened by a
// click on the row's chip or the `s` key; arrows, Enter, a digit or a click pick; Esc closes.
export function openStatusMenu(ctx, task, anchor = null) {
  closeMenu({ refocus: false });
  const row = document.querySelector(`main tr[data-task-id="${Number(task.id)}"]`);
  const button = anchor || row?.querySelector(".status-button") || row;
  if (!button) return false;
  const items = ctx.store.statuses.map((status, index) =>
    el(
      "button",
      {
        type: "button",
        role: "menuitemradio",
        class: "status-item",
        "aria-checked": status.id === task.status.id ? "true" : "false",
        style: { "--c": status.color },
        onclick: () => {
          closeMenu();
          changeStatus(ctx, ctx.store.get(task.id) || task, status.id);
        },
      },
      el("kbd", {}, index < 9 ? String(index + 1) : ""),
      el("span", { class: "status-dot" }),
      status.name,
    ),
  );
  const node = el("div", { class: "status-menu", role: "menu", "aria-label": t("status") }, items);
  node.addEventListener("keydown", (event) => {
    const at = items.indexOf(document.activeElement);
    const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
    if (event.code === "Escape" || event.code === "Tab") {
      event.preventDefault();
      closeMenu();
    } else if (event.code === "ArrowDown" || event.code === "KeyJ") {
      event.preventDefault();
      items[(at + 1) % items.length].focus();
    } else if (event.code === "ArrowUp" || event.code === "KeyK") {
      event.preventDefault();
      items[(at - 1 + items.length) % items.length].focus();
    } else if (digit && items[Number(digit[1]) - 1]) {
      event.preventDefault();
      items[Number(digit[1]) - 1].click();
    }
    event.stopPropagation(); // the page's single keys wait until the menu is gone
  });
  node.addEventListener("focusout", (event) => {
    if (!node.contains(event.relatedTarget)) closeMenu({ refocus: false });
  });
  document.body.append(node);
  const box = button.getBoundingClientRect();
  node.style.setProperty("top", `${window.scrollY + box.bottom + 2}px`);
  node.style.setProperty("left", `${window.scrollX + box.left}px`);
  menu = { node, anchor: row || button };
  (items.find((item) => item.getAttribute("aria-checked") === "true") || items[0])?.focus();
  return true;
}

// The row's one status control: the current status as a chip; for those who may change it,
// a button that opens the status menu.
function statusControl(task, ctx) {
  if (!canEdit(ctx.me, task)) return statusChip(task.status, { current: true });
  const chip = statusChip(task.status, {
    current: true,
    onclick: (event) => openStatusMenu(ctx, ctx.store.get(task.id) || task, event.currentTarget),
  });
  chip.classList.add("status-button");
  chip.removeAttribute("aria-pressed");
  chip.setAttribute("aria-haspopup", "menu");
  chip.setAttribute("aria-label", `${t("status")}: ${task.status.name}`);
  return chip;
}

// Urgent on, or off again: the `u` key on a row.
export async function toggleUrgent(ctx, task) {
  if (!canEdit(ctx.me, task)) {
    toast(t("urgent_not_yours"), "error");
    return;
  }
  const current = ctx.store.get(task.id) || task;
  const result = await ctx.actions.update(current, { urgent: !current.urgent });
  if (result.ok) toast(t(result.data.task.urgent ? "urgent_on" : "urgent_off"));
  else toast(errorMessage(result), "error");
}

// "no activity for 2 h 10 min", ticking (timefmt.tickTimers), on open tasks.
function activity(task) {
  if (task.resolved_at || !task.last_activity_at) return null;
  return el("span", { class: "activity", dataset: { activity: task.last_activity_at } });
}

const urgentBadge = (task) =>
  task.urgent && !task.resolved_at ? el("span", { class: "urgent-badge" }, t("urgent")) : null;

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
  return [
    urgentBadge(task),
    el(
      "button",
      { type: "button", class: "title-link", onclick: () => ctx.dialog.open(task.id) },
      task.title,
    ),
  ];
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
  status: statusControl,
  chips: statusControl,
  title: titleButton,
  // Title with its chat and latest comment under it: the compact My tasks column.
  task: (task, ctx) => [
    titleButton(task, ctx),
    el(
      "div",
      { class: "meta" },
      lineTag(task.group),
      task.chat ? el("span", { class: "chat-name" }, task.chat.name) : null,
      activity(task),
      task.last_comment ? el("span", { class: "last-comment" }, task.last_comment) : null,
    ),
  ],
  activity: (task) => activity(task) || "—",
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
  if (task.urgent && !task.resolved_at) classes.push("urgent");
  // focusable, so that the keys (keys.js) act on the row in focus; an open task ages by its
  // last activity (timefmt.tickTimers colors it)
  const dataset = { taskId: task.id };
  if (!task.resolved_at && !task.deleted && task.last_activity_at) {
    dataset.ageSince = task.last_activity_at;
    if (classes.includes("postponed")) dataset.parked = "1";
  }
  const row = el("tr", { class: classes.join(" "), tabindex: 0, dataset });
  for (const column of columns) {
    row.append(el("td", { class: `c-${column}` }, COLUMNS[column](task, ctx)));
  }
  tickTimers(row); // its age and last activity from the start, not at the next tick
  return row;
}

// Remove a task's rows; true when one of them had the keyboard focus (the page gives it to
// the row drawn in their place, so j/k, the digits and s go on from there).
export function removeRows(root, taskId) {
  let focused = false;
  for (const row of root.querySelectorAll(`tr[data-task-id="${Number(taskId)}"]`)) {
    focused ||= row.contains(document.activeElement);
    row.remove();
  }
  return focused;
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
