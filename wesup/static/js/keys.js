// Every single-key shortcut of the task pages, in one place: one keydown listener per page,
// keys by their physical position (event.code), so a Russian layout works as an English one,
// and never while the person types in a field, holds a modifier, or has a dialog open.
// The `?` key shows the sheet of them all. A page passes what it has (ctx, and the optional
// actions below); a key whose action the page lacks does nothing there.

import { el, isTyping, t } from "./dom.js";
import { canEdit } from "./rules.js";
import { focusedTaskId, openStatusMenu, pickStatus, toggleUrgent } from "./taskrow.js";

// [code, label, words key]: the sheet lists them in this order.
export const SHORTCUTS = [
  ["KeyN", "N", "key_new"],
  ["KeyJ", "J", "key_next"],
  ["KeyK", "K", "key_previous"],
  ["Enter", "Enter", "key_open"],
  ["KeyS", "S", "key_status"],
  ["Digit1", "1–9", "key_status_n"],
  ["KeyC", "C", "key_comment"],
  ["KeyA", "A", "key_assign"],
  ["KeyU", "U", "key_urgent"],
  ["KeyZ", "Z", "key_undo"],
  ["Slash", "/", "key_search"],
  ["BracketLeft", "[", "key_day_before"],
  ["BracketRight", "]", "key_day_after"],
  ["Escape", "Esc", "key_escape"],
  ["Shift+Slash", "?", "key_help"],
];

// The task rows a person can see, in page order.
function visibleRows() {
  return [...document.querySelectorAll("main tr[data-task-id]")].filter(
    (row) => row.offsetParent !== null,
  );
}

// Move the focus to the next (step 1) or previous (step -1) row; from nowhere, to the first.
export function moveFocus(step) {
  const rows = visibleRows();
  if (!rows.length) return;
  const current = document.activeElement?.closest?.("tr[data-task-id]");
  const at = rows.indexOf(current);
  const next = at < 0 ? rows[0] : rows[Math.min(rows.length - 1, Math.max(0, at + step))];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

let sheet = null;

// The `?` sheet: every shortcut and what it does, in the reader's language.
export function showSheet() {
  if (!sheet) {
    const rows = SHORTCUTS.filter(([, , word]) => t(word) !== word).map(([, label, word]) =>
      el("tr", {}, el("th", { scope: "row" }, el("kbd", {}, label)), el("td", {}, t(word))),
    );
    sheet = el(
      "dialog",
      { class: "keys-sheet", "aria-labelledby": "keys-sheet-title" },
      el(
        "header",
        { class: "dialog-head" },
        el("h2", { id: "keys-sheet-title" }, t("keys_title")),
        el("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => sheet.close() }, "×"),
      ),
      el("table", { class: "keys" }, el("tbody", {}, rows)),
      el("p", { class: "hint" }, t("keys_layout")),
    );
    document.body.append(sheet);
  }
  if (!sheet.open) sheet.showModal();
  sheet.querySelector(".close").focus();
}

// The page's own actions (any may be missing): newTask() and undo() return whether they
// did something; leaveField(field) is what Esc in a field of the page does (blur by default).
// ctx: {me, store, actions, dialog}. The listener lives as long as the page.
export function startKeys(ctx, page = {}) {
  const onRow = (fn) => () => {
    const taskId = focusedTaskId();
    const task = taskId ? ctx.store.get(taskId) : null;
    if (!task) return false;
    fn(task);
    return true;
  };
  const click = (selector) => () => {
    const link = document.querySelector(selector);
    if (!link || link.getAttribute("aria-disabled") === "true") return false;
    link.click();
    return true;
  };
  const keys = {
    KeyN: () => page.newTask?.() ?? false,
    KeyJ: () => (moveFocus(1), true),
    KeyK: () => (moveFocus(-1), true),
    KeyS: onRow((task) => canEdit(ctx.me, task) && openStatusMenu(ctx, task)),
    KeyC: onRow((task) => ctx.dialog.open(task.id, { focus: "comment" })),
    KeyA: onRow((task) => ctx.dialog.open(task.id, { focus: "assign" })),
    KeyU: onRow((task) => toggleUrgent(ctx, task)),
    KeyZ: () => page.undo?.() ?? false,
    Slash: () => {
      const search = document.getElementById("task-search");
      if (!search) return false;
      search.focus();
      search.select?.();
      return true;
    },
    BracketLeft: click('a[data-period="previous"]'),
    BracketRight: click('a[data-period="next"]'),
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // the dialog has the keyboard
    if (isTyping(event.target)) {
      // Esc leaves a field of the page (not a dialog's): the single keys work again
      if (event.code === "Escape") (page.leaveField || ((field) => field.blur()))(event.target);
      return;
    }
    if (event.shiftKey) {
      if (event.code !== "Slash") return;
      event.preventDefault();
      showSheet();
      return;
    }
    // Enter on the row itself opens it (on a button in the row the button acts)
    if (event.code === "Enter" || event.code === "NumpadEnter") {
      const row = event.target.closest?.("tr[data-task-id]");
      if (!row || event.target !== row) return;
      event.preventDefault();
      ctx.dialog.open(Number(row.dataset.taskId));
      return;
    }
    const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
    if (digit) {
      const taskId = focusedTaskId();
      const task = taskId ? ctx.store.get(taskId) : null;
      if (!task || !canEdit(ctx.me, task)) return;
      event.preventDefault();
      pickStatus(ctx, task, Number(digit[1]));
      return;
    }
    const action = keys[event.code];
    if (action && action() !== false) event.preventDefault();
  });
}
