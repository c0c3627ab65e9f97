// The one task dialog of both task pages: every field, the owner and the line (leads assign),
// hand on to a person or a line with a note, Take, the timeline of comments, status changes
// and moves (author and time), a comment box, delete and restore. Opened by clicking a title,
// or with the `a` key on a row (assign for leads, hand on for the others).

import { chatPicker } from "./combobox.js";
import { el, errorMessage, showFieldErrors, t, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { holderName, lineTag, recipient, recipientSelect, takeTask } from "./owners.js";
import { canComment, canEdit, canTake } from "./rules.js";
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

// Who held a task before or after a move, in the timeline's words.
function holderText(holder) {
  if (!holder) return "—";
  if (holder.agent) {
    return holder.group ? `${holder.agent.name} (${holder.group.name})` : holder.agent.name;
  }
  return holder.group ? t("queue_of", { line: holder.group.name }) : "—";
}

// The words of a move: assigned, handed on, taken, handed over with the shift.
const MOVES = [
  ["TASK_ASSIGNED", "tl_assigned"],
  ["TASK_TRANSFERRED", "tl_transferred"],
  ["TASK_TAKEN", "tl_taken"],
  ["TASK_HANDED_OVER", "tl_handed_over"],
];

function moveLine(message) {
  const found = MOVES.find(([name]) => message.kind === eventKind(name));
  if (!found) return null;
  return t(found[1], { from: holderText(message.from), to: holderText(message.to) });
}

// One timeline line: who, when, and what happened, from an event message.
export function timelineItem(message) {
  const changes = message.changes || {};
  const lines = [];
  const move = moveLine(message);
  if (move) lines.push(move);
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
  if (changes.urgent) lines.push(t(changes.urgent[1] ? "tl_urgent_on" : "tl_urgent_off"));
  const kind = message.kind.replace("task.", "");
  return el(
    "li",
    { class: `tl tl-${kind}`, dataset: { seq: message.seq } },
    el(
      "div",
      { class: "tl-head" },
      el("strong", {}, message.actor ? message.actor.name : "—"),
      // an API token's bot, not a person (wesup/apitokens.py)
      message.actor?.integration ? [" ", el("span", { class: "badge" }, t("tl_integration"))] : null,
      " ",
      el("time", { datetime: message.at }, stamp(message.at)),
    ),
    lines.map((line) => el("div", { class: "tl-line" }, line)),
    message.note ? el("p", { class: "tl-comment tl-note" }, message.note) : null,
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
  if (Boolean(before.urgent) !== Boolean(after.urgent)) {
    lines.push(t(after.urgent ? "tl_urgent_on" : "tl_urgent_off"));
  }
  if (holderKey(before) !== holderKey(after)) {
    lines.push(t("tl_assigned", { from: holderText(before), to: holderText(after) }));
  }
  return lines;
}

const holderKey = (task) => `${task.agent?.id ?? ""}:${task.group?.id ?? ""}`;

// One button on a line of its own (Take, Restore).
const actionButton = (label, className, onclick) =>
  el("p", {}, el("button", { type: "button", class: className || null, onclick }, label));

// The fields the edit form shows.
const signature = (task) =>
  JSON.stringify([
    task.title,
    task.description,
    task.chat?.id,
    task.status.id,
    task.received_at,
    task.deleted,
    Boolean(task.urgent),
    holderKey(task),
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

  // focus: "assign" puts the cursor on the Owner field (leads) or the hand-on picker;
  // "comment" on the comment box, scrolled into view.
  async open(taskId, { focus = null } = {}) {
    const task = this.ctx.store.get(taskId);
    if (!task) return;
    this.taskId = task.id;
    this.seen = new Set();
    this.timeline = el("ol", { class: "timeline" }, el("li", { class: "muted" }, t("loading")));
    this.render(task);
    if (!this.node.open) this.node.showModal();
    const wanted = {
      assign: () =>
        this.node.querySelector("select[name=agent_id]") ||
        this.node.querySelector(".transfer-form select[name=to]") ||
        this.node.querySelector(".take-in-dialog"),
      comment: () => this.node.querySelector(".comment-form textarea[name=body]"),
    }[focus]?.();
    const first =
      wanted || this.node.querySelector("input[name=title]") || this.node.querySelector(".close");
    first?.focus();
    if (wanted) wanted.scrollIntoView({ block: "nearest" });
    await this.loadTimeline();
    // the timeline came in above the comment box: bring the box back in sight
    if (wanted?.isConnected && document.activeElement === wanted) {
      wanted.scrollIntoView({ block: "nearest" });
    }
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
    if (task.urgent && !task.resolved_at) badges.push(el("span", { class: "urgent-badge" }, t("urgent")));
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
      el("span", { class: task.agent ? "owner" : "owner queued" }, holderName(task)),
      lineTag(task.group),
      el("span", {}, task.chat ? task.chat.name : t("no_chat")),
      statusChip(task.status, { current: true }),
      el("span", {}, `${t("received")} ${stamp(task.received_at)}`),
    ];
    if (task.resolved_at) parts.push(el("span", {}, `${t("resolved")} ${stamp(task.resolved_at)}`));
    this.meta.replaceChildren(...parts.filter(Boolean));
  }

  render(task) {
    const { me } = this.ctx;
    this.dirty = false;
    this.head = el("header", { class: "dialog-head" });
    this.meta = el("p", { class: "dialog-meta" });
    this.renderHead(task);
    const parts = [this.head, this.meta];
    if (canTake(me, task)) {
      parts.push(
        actionButton(t("take"), "primary take-in-dialog", async () => {
          await takeTask(this.ctx, this.ctx.store.get(task.id));
        }),
      );
    }
    if (canEdit(me, task)) {
      parts.push(this.editForm(task));
      parts.push(this.transferForm(task));
    } else {
      if (task.description) parts.push(el("p", { class: "description" }, task.description));
      if (task.deleted && me.can_edit_every) {
        parts.push(
          actionButton(t("restore"), "", async () => {
            if (await restoreTask(this.ctx, this.ctx.store.get(task.id))) this.node.close();
          }),
        );
      }
    }
    parts.push(el("h3", {}, t("history")), this.timeline);
    if (canComment(me, task)) parts.push(this.commentForm(task));
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
    const urgent = el("input", { type: "checkbox", name: "urgent", checked: Boolean(task.urgent) });
    // Whether the source chat is told when the task is resolved (if the chat has an address).
    const tellChat = el("input", { type: "checkbox", name: "tell_chat", checked: task.tell_chat !== false });
    const message = el("div", { class: "form-error", role: "alert", hidden: true });
    const assign = this.ctx.me.can_edit_every ? this.assignFields(task) : null;
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
      assign ? assign.row : null,
      el("label", { class: "check urgent-field" }, urgent, " ", t("urgent")),
      field(t("description"), "description", description),
      el("label", { class: "check" }, tellChat, " ", t("tell_chat")),
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
      if (urgent.checked !== Boolean(current.urgent)) changes.urgent = urgent.checked;
      if (tellChat.checked !== (current.tell_chat !== false)) changes.tell_chat = tellChat.checked;
      if (assign) Object.assign(changes, assign.changes(current));
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
      if (urgent.checked === Boolean(current.urgent)) urgent.checked = Boolean(fresh.urgent);
      if (tellChat.checked === (current.tell_chat !== false)) tellChat.checked = fresh.tell_chat !== false;
      assign?.follow(current, fresh);
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

  // Owner and Line, for leads and admins: who works the task, and whose queue it is in.
  assignFields(task) {
    const { store } = this.ctx;
    const people = store.people.some((person) => person.id === task.agent?.id)
      ? store.people
      : [task.agent, ...store.people].filter(Boolean);
    const owner = el(
      "select",
      { name: "agent_id" },
      el("option", { value: "" }, t("nobody_queue")),
      people.map((person) => el("option", { value: person.id }, person.name)),
    );
    owner.value = task.agent ? String(task.agent.id) : "";
    const lines = store.groups.some((group) => group.id === task.group?.id)
      ? store.groups
      : [task.group, ...store.groups].filter(Boolean);
    const line = el(
      "select",
      { name: "group_id" },
      el("option", { value: "" }, "—"),
      lines.map((group) => el("option", { value: group.id }, group.name)),
    );
    line.value = task.group ? String(task.group.id) : "";
    const chosen = (select) => (select.value ? Number(select.value) : null);
    return {
      row: el(
        "div",
        { class: "row assign-row" },
        field(t("owner"), "agent_id", owner),
        field(t("line"), "group_id", line),
      ),
      changes(current) {
        const changes = {};
        if (chosen(owner) !== (current.agent?.id ?? null)) changes.agent_id = chosen(owner);
        if (chosen(line) !== (current.group?.id ?? null)) changes.group_id = chosen(line);
        return changes;
      },
      // after a 409: fields left alone take the server's values
      follow(current, fresh) {
        if (chosen(owner) === (current.agent?.id ?? null)) {
          owner.value = fresh.agent ? String(fresh.agent.id) : "";
        }
        if (chosen(line) === (current.group?.id ?? null)) {
          line.value = fresh.group ? String(fresh.group.id) : "";
        }
      },
    };
  }

  // Hand the task on: to a person, or to a line's queue with a note saying why.
  transferForm(task) {
    const target = recipientSelect(this.ctx.store, { exclude: task.agent?.id });
    const note = el("textarea", {
      name: "note",
      rows: 2,
      maxlength: 2000,
      placeholder: t("transfer_note"),
    });
    const form = el(
      "form",
      { class: "transfer-form" },
      el("h3", {}, t("hand_on")),
      el(
        "div",
        { class: "row" },
        field(t("hand_to"), "agent_id", target),
        field(t("note"), "note", note),
      ),
      el("span", { class: "field-error", dataset: { errorFor: "group_id" }, hidden: true }),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, t("hand_on_button"))),
    );
    // An escalation to a line says why: the note is required then, as the server says.
    target.addEventListener("change", () => {
      note.required = target.value.startsWith("group:");
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const current = this.ctx.store.get(task.id);
      const body = { ...recipient(target.value), note: note.value };
      const result = await this.ctx.actions.transfer(current, body);
      if (!result.ok) {
        showFieldErrors(form, result.data?.error?.fields);
        toast(errorMessage(result), "error");
        return;
      }
      toast(t("handed_on", { to: holderName(result.data.task) }));
      this.node.close();
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
