// The one task dialog of both task pages: every field, the timeline of comments and status
// changes (author and time), a comment box, delete and restore. Opened by clicking a title.

import { chatPicker } from "./combobox.js";
import { el, errorMessage, showFieldErrors, t, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { canEdit } from "./rules.js";
import { deleteTask, restoreTask, statusChip } from "./taskrow.js";
import { inputValue, stamp } from "./teamtime.js";

function field(label, name, input) {
  return el(
    "label",
    { class: "field" },
    el("span", { class: "label" }, label),
    input,
    el("span", { class: "field-error", dataset: { errorFor: name }, hidden: true }),
  );
}

// One timeline line: who, when, and what happened, from an event message.
export function timelineItem(message) {
  const changes = message.changes || {};
  const lines = [];
  if (message.kind === eventKind("TASK_CREATED")) lines.push(t("tl_created"));
  if (message.kind === eventKind("TASK_DELETED")) lines.push(t("tl_deleted"));
  if (message.kind === eventKind("TASK_RESTORED")) lines.push(t("tl_restored"));
  if (changes.status) lines.push(t("tl_status", { from: changes.status[0], to: changes.status[1] }));
  if (changes.title) lines.push(t("tl_title", { from: changes.title[0], to: changes.title[1] }));
  if (changes.chat) {
    lines.push(t("tl_chat", { from: changes.chat[0] || "—", to: changes.chat[1] || "—" }));
  }
  if (changes.received_at) {
    lines.push(
      t("tl_received", { from: stamp(changes.received_at[0]), to: stamp(changes.received_at[1]) }),
    );
  }
  if (changes.description) lines.push(t("tl_description"));
  const kind = message.kind.replace("task.", "");
  return el(
    "li",
    { class: `tl tl-${kind}`, dataset: { seq: message.seq } },
    el(
      "div",
      { class: "tl-head" },
      el("strong", {}, message.actor ? message.actor.name : "—"),
      " ",
      el("time", { datetime: message.at }, stamp(message.at)),
    ),
    lines.map((line) => el("div", { class: "tl-line" }, line)),
    message.comment ? el("p", { class: "tl-comment" }, message.comment.body) : null,
  );
}

// What changed between two versions of a task, in the timeline's words: after a 409 the
// person sees what somebody else did before saving again.
function changesBetween(before, after) {
  const lines = [];
  if (after.deleted && !before.deleted) lines.push(t("tl_deleted"));
  if (before.status.id !== after.status.id) {
    lines.push(t("tl_status", { from: before.status.name, to: after.status.name }));
  }
  if (before.title !== after.title) {
    lines.push(t("tl_title", { from: before.title, to: after.title }));
  }
  if ((before.chat?.id ?? null) !== (after.chat?.id ?? null)) {
    lines.push(t("tl_chat", { from: before.chat?.name || "—", to: after.chat?.name || "—" }));
  }
  if (before.received_at !== after.received_at) {
    lines.push(
      t("tl_received", { from: stamp(before.received_at), to: stamp(after.received_at) }),
    );
  }
  if ((before.description || "") !== (after.description || "")) lines.push(t("tl_description"));
  return lines;
}

// The fields the edit form shows.
const signature = (task) =>
  JSON.stringify([
    task.title,
    task.description,
    task.chat?.id,
    task.status.id,
    task.received_at,
    task.deleted,
  ]);

export class TaskDialog {
  // ctx: {me, store, actions}
  constructor(ctx) {
    this.ctx = ctx;
    this.taskId = null;
    this.dirty = false;
    this.seen = new Set();
    this.node = el("dialog", { class: "task-dialog", "aria-labelledby": "task-dialog-title" });
    this.node.addEventListener("close", () => {
      this.taskId = null;
    });
    this.node.addEventListener("click", (event) => {
      if (event.target === this.node) this.node.close(); // a click on the backdrop
    });
    document.body.append(this.node);
    ctx.store.onTask((task) => {
      if (task.id !== this.taskId) return;
      if (task.deleted && !ctx.me.can_edit_every) {
        this.node.close();
        return;
      }
      // A new version that leaves the form's fields alone (a comment) becomes the form's base.
      // Otherwise redraw, unless the person is editing: then saving gets a 409 and says so.
      if (signature(task) === signature(this.base)) this.base = task;
      else if (!this.dirty) this.render(task);
      this.renderHead(task);
    });
    ctx.store.onMessage((message) => {
      if (message.task_id === this.taskId) this.addToTimeline(message);
    });
  }

  async open(taskId) {
    const task = this.ctx.store.get(taskId);
    if (!task) return;
    this.taskId = task.id;
    this.seen = new Set();
    this.timeline = el("ol", { class: "timeline" }, el("li", { class: "muted" }, t("loading")));
    this.render(task);
    if (!this.node.open) this.node.showModal();
    const first = this.node.querySelector("input[name=title]") || this.node.querySelector(".close");
    first?.focus();
    await this.loadTimeline();
  }

  async loadTimeline() {
    const taskId = this.taskId;
    const result = await this.ctx.actions.load(taskId);
    if (taskId !== this.taskId) return;
    if (!result.ok) {
      this.timeline.replaceChildren(el("li", { class: "error" }, errorMessage(result)));
      return;
    }
    this.seen = new Set();
    this.timeline.replaceChildren();
    for (const message of result.data.timeline) this.addToTimeline(message, { scroll: false });
  }

  // Live additions scroll into view; the first load keeps the form in sight.
  addToTimeline(message, { scroll = true } = {}) {
    if (!this.timeline || this.seen.has(message.seq)) return;
    this.seen.add(message.seq);
    const item = timelineItem(message);
    this.timeline.append(item);
    if (scroll) item.scrollIntoView({ block: "nearest" });
  }

  renderHead(task) {
    const badges = [];
    if (task.deleted) badges.push(el("span", { class: "badge" }, t("deleted")));
    this.head.replaceChildren(
      el("h2", { id: "task-dialog-title" }, task.title),
      ...badges,
      el(
        "button",
        { type: "button", class: "close", "aria-label": t("close"), onclick: () => this.node.close() },
        "×",
      ),
    );
    const parts = [
      el("span", {}, task.agent.name),
      el("span", {}, task.chat ? task.chat.name : t("no_chat")),
      statusChip(task.status, { current: true }),
      el("span", {}, `${t("received")} ${stamp(task.received_at)}`),
    ];
    if (task.resolved_at) parts.push(el("span", {}, `${t("resolved")} ${stamp(task.resolved_at)}`));
    this.meta.replaceChildren(...parts);
  }

  render(task) {
    const { me } = this.ctx;
    this.dirty = false;
    this.head = el("header", { class: "dialog-head" });
    this.meta = el("p", { class: "dialog-meta" });
    this.renderHead(task);
    const parts = [this.head, this.meta];
    if (canEdit(me, task)) {
      parts.push(this.editForm(task));
    } else {
      if (task.description) parts.push(el("p", { class: "description" }, task.description));
      if (task.deleted && me.can_edit_every) {
        parts.push(
          el(
            "p",
            {},
            el(
              "button",
              {
                type: "button",
                onclick: async () => {
                  if (await restoreTask(this.ctx, this.ctx.store.get(task.id))) this.node.close();
                },
              },
              t("restore"),
            ),
          ),
        );
      }
    }
    parts.push(el("h3", {}, t("history")), this.timeline);
    if (canEdit(me, task)) parts.push(this.commentForm(task));
    this.base = task; // what the form shows: edits are sent against this version
    this.node.replaceChildren(...parts);
  }

  editForm(task) {
    const { store } = this.ctx;
    const title = el("input", { name: "title", required: true, maxlength: 300, value: task.title });
    const picker = chatPicker({
      id: "dialog-chat",
      chats: store.chats,
      keep: task.chat ? { ...task.chat, archived: false } : null,
      value: task.chat ? task.chat.id : null,
    });
    const statusOptions = store.statuses.some((s) => s.id === task.status.id)
      ? store.statuses
      : [task.status, ...store.statuses];
    const status = el(
      "select",
      { name: "status_id" },
      statusOptions.map((s) =>
        el("option", { value: s.id, selected: s.id === task.status.id }, s.name),
      ),
    );
    const received = el("input", {
      name: "received_at",
      type: "datetime-local",
      required: true,
      value: inputValue(task.received_at),
      max: inputValue(new Date(Date.now() + 60_000)),
    });
    const description = el("textarea", { name: "description", rows: 4, maxlength: 10000 });
    description.value = task.description || "";
    const message = el("div", { class: "form-error", role: "alert", hidden: true });
    const form = el(
      "form",
      { class: "edit-task" },
      field(t("title"), "title", title),
      el(
        "div",
        { class: "row" },
        field(t("chat"), "chat_id", picker.element),
        field(t("status"), "status_id", status),
        field(t("received_at"), "received_at", received),
      ),
      field(t("description"), "description", description),
      message,
      el(
        "div",
        { class: "buttons" },
        el("button", { type: "submit", class: "primary" }, t("save")),
        el("button", { type: "button", onclick: () => this.node.close() }, t("cancel")),
        el("span", { class: "spacer" }),
        el(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: async () => {
              if (await deleteTask(this.ctx, this.ctx.store.get(task.id))) this.node.close();
            },
          },
          t("delete"),
        ),
      ),
    );
    form.addEventListener("input", () => {
      this.dirty = true;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const current = this.base;
      const changes = {};
      if (title.value.trim() !== current.title) changes.title = title.value;
      if (description.value.trim() !== (current.description || "")) {
        changes.description = description.value;
      }
      if (picker.value !== (current.chat ? current.chat.id : null)) changes.chat_id = picker.value;
      if (Number(status.value) !== current.status.id) changes.status_id = Number(status.value);
      if (received.value !== inputValue(current.received_at)) changes.received_at = received.value;
      if (!Object.keys(changes).length) {
        this.node.close();
        return;
      }
      const result = await this.ctx.actions.update(current, changes);
      if (result.ok) {
        toast(t("saved"));
        this.node.close();
        return;
      }
      const text = errorMessage(result);
      showFieldErrors(form, result.data?.error?.fields);
      message.replaceChildren(text);
      message.hidden = false;
      if (result.status !== 409) return;
      // Somebody saved first. What the person typed stays; the fields they left alone take
      // the server's values; the form now edits the current version, so a second Save
      // applies their edit over it, knowingly.
      const fresh = result.data?.current || this.ctx.store.get(task.id);
      if (!fresh) return;
      if (title.value.trim() === current.title) title.value = fresh.title;
      if (description.value.trim() === (current.description || "")) {
        description.value = fresh.description || "";
      }
      if (picker.value === (current.chat ? current.chat.id : null)) {
        picker.setChats(store.chats, fresh.chat ? { ...fresh.chat, archived: false } : null);
        picker.setValue(fresh.chat ? fresh.chat.id : null);
      }
      if (Number(status.value) === current.status.id) {
        if (![...status.options].some((option) => option.value === String(fresh.status.id))) {
          status.append(el("option", { value: fresh.status.id }, fresh.status.name));
        }
        status.value = String(fresh.status.id);
      }
      if (received.value === inputValue(current.received_at)) {
        received.value = inputValue(fresh.received_at);
      }
      this.base = fresh;
      this.renderHead(fresh);
      const changed = changesBetween(current, fresh);
      message.append(
        changed.length
          ? el(
              "ul",
              { class: "conflict-changes", "aria-label": t("conflict_changes") },
              changed.map((line) => el("li", {}, line)),
            )
          : "",
        el("p", { class: "conflict-next" }, t("conflict_save_again")),
      );
      this.loadTimeline();
    });
    return form;
  }

  commentForm(task) {
    const body = el("textarea", {
      name: "body",
      rows: 2,
      maxlength: 5000,
      required: true,
      placeholder: t("comment_placeholder"),
    });
    const error = el("span", { class: "field-error", dataset: { errorFor: "body" }, hidden: true });
    const form = el(
      "form",
      { class: "comment-form" },
      el("label", { class: "field" }, el("span", { class: "label" }, t("comment")), body, error),
      el("button", { type: "submit" }, t("add_comment")),
    );
    body.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const current = this.ctx.store.get(task.id);
      const result = await this.ctx.actions.comment(current, body.value);
      if (!result.ok) {
        showFieldErrors(form, result.data?.error?.fields);
        if (!result.data?.error?.fields?.body) toast(errorMessage(result), "error");
        return;
      }
      body.value = "";
      showFieldErrors(form, {});
      await this.loadTimeline(); // also brings the task's new version into the store
    });
    return form;
  }
}
