// Shift handovers on the task pages: the banner of handovers waiting for me (or for one of my
// lines) until I accept, and the "Hand over my shift" dialog. Everything user-written goes in
// as text.

import { api } from "./api.js";
import { el, errorMessage, showFieldErrors, t, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { recipient, recipientSelect } from "./owners.js";

const sheetUrl = (handover) => `/tasks/handovers/${handover.id}`;

// Where a handover went, in the banner's words.
function destination(handover) {
  if (handover.to.agent) return t("handover_to_you", { from: handover.from.name });
  return t("handover_to_line", { from: handover.from.name, line: handover.to.group.name });
}

// The banner: one entry per pending handover addressed to me or my lines, until accepted.
// `onArrived` is told when a new one for me comes in live (the page notifies).
export function handoverBanner({ me, box, handovers = [], onArrived = null }) {
  const pending = new Map();

  const mine = (handover) =>
    !handover.accepted_at &&
    (handover.to.agent?.id === me.id || (me.group_ids || []).includes(handover.to.group?.id));

  function entry(handover) {
    const accept = el(
      "button",
      {
        type: "button",
        class: "primary accept-handover",
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          const result = await api("POST", `/api/handovers/${handover.id}/accept`);
          if (result.ok || result.status === 409) {
            forget(handover.id);
            if (result.ok) toast(t("handover_accepted"));
          } else {
            event.currentTarget.disabled = false;
            toast(errorMessage(result), "error");
          }
        },
      },
      t("accept"),
    );
    return el(
      "article",
      { class: "handover", dataset: { handoverId: handover.id } },
      el(
        "header",
        {},
        el("strong", {}, destination(handover)),
        " · ",
        t("handover_count", { n: handover.task_ids.length }),
        " · ",
        t("handover_resolved", { n: handover.resolved_in_shift ?? 0 }),
      ),
      handover.note ? el("p", { class: "handover-note" }, handover.note) : null,
      el(
        "ul",
        { class: "handover-tasks" },
        handover.tasks.map((task) =>
          el(
            "li",
            { dataset: { taskId: task.id } },
            el("span", { class: "handover-title" }, task.title),
            task.last_comment ? el("span", { class: "last-comment" }, task.last_comment) : null,
          ),
        ),
      ),
      el(
        "div",
        { class: "buttons" },
        accept,
        el("a", { href: sheetUrl(handover), target: "_blank", rel: "noopener" }, t("sheet")),
      ),
    );
  }

  function render() {
    const shown = [...pending.values()].filter(mine);
    box.replaceChildren(...shown.map(entry));
    box.hidden = shown.length === 0;
  }

  function forget(id) {
    pending.delete(id);
    render();
  }

  function load(list) {
    pending.clear();
    for (const handover of list) pending.set(handover.id, handover);
    render();
  }

  load(handovers);
  return {
    // live handlers: a new handover appears, an accepted one goes
    handlers: {
      [eventKind("HANDOVER_CREATED")]: (message) => {
        pending.set(message.handover.id, message.handover);
        render();
        if (mine(message.handover)) onArrived?.(message.handover);
      },
      [eventKind("HANDOVER_ACCEPTED")]: (message) => forget(message.handover.id),
    },
    // after a snapshot reload, or when my lines changed
    async reload() {
      const result = await api("GET", "/api/handovers?pending=1");
      if (result.ok) load(result.data.handovers);
    },
    render,
  };
}

// "Hand over my shift": one person or line, one note, confirm; all my open tasks move.
export function handoverDialog({ me, store, button, openCount }) {
  const node = el("dialog", { class: "handover-dialog", "aria-labelledby": "ho-title" });
  document.body.append(node);
  node.addEventListener("click", (event) => {
    if (event.target === node) node.close();
  });

  function open() {
    const count = openCount();
    const target = recipientSelect(store, { exclude: me.id });
    target.id = "handover-to";
    const note = el("textarea", {
      id: "handover-note",
      name: "note",
      rows: 4,
      maxlength: 5000,
      required: true,
      placeholder: t("handover_note_placeholder"),
    });
    const submit = el("button", { type: "submit", class: "primary" }, t("handover_confirm"));
    const form = el(
      "form",
      { class: "edit-task" },
      el(
        "label",
        { class: "field" },
        el("span", { class: "label" }, t("handover_to")),
        target,
        el("span", { class: "field-error", dataset: { errorFor: "to_agent_id" }, hidden: true }),
        el("span", { class: "field-error", dataset: { errorFor: "to_group_id" }, hidden: true }),
      ),
      el(
        "label",
        { class: "field" },
        el("span", { class: "label" }, t("note")),
        note,
        el("span", { class: "field-error", dataset: { errorFor: "note" }, hidden: true }),
      ),
      el("p", { class: "hint" }, t("handover_moves", { n: count })),
      el(
        "div",
        { class: "buttons" },
        submit,
        el("button", { type: "button", onclick: () => node.close() }, t("cancel")),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      const body = { ...recipient(target.value, "to_"), note: note.value };
      const result = await api("POST", "/api/handovers", body);
      submit.disabled = false;
      if (!result.ok) {
        showFieldErrors(form, result.data?.error?.fields);
        toast(errorMessage(result), "error");
        return;
      }
      const handover = result.data.handover; // the tasks leave my list as their events come
      node.close();
      toast(t("handover_done", { n: handover.task_ids.length }));
    });
    node.replaceChildren(
      el(
        "header",
        { class: "dialog-head" },
        el("h2", { id: "ho-title" }, t("handover_title")),
        el(
          "button",
          { type: "button", class: "close", "aria-label": t("close"), onclick: () => node.close() },
          "×",
        ),
      ),
      form,
    );
    node.showModal();
    target.focus();
  }

  button.hidden = false;
  button.addEventListener("click", open);
  return { open };
}
