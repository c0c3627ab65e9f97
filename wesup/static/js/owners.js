// Who holds a task (an owner, a line's queue, or both) in the pages' words, the picker of
// people and lines a task can go to, Take, and "was this just handed to me?".

import { el, errorMessage, t, toast } from "./dom.js";

// A line as a small colored tag.
export function lineTag(group) {
  if (!group) return null;
  return el("span", { class: "line-tag", style: { "--c": group.color } }, group.name);
}

// The owner's name, or "Queue: <line>" for a task nobody has taken yet.
export function holderName(task) {
  if (task.agent) return task.agent.name;
  return task.group ? t("queue_of", { line: task.group.name }) : "—";
}

// A <select> of the people and the lines a task can go to: values "agent:<id>", "group:<id>".
// `exclude` leaves one person out (the task's owner, the giver of a shift).
export function recipientSelect(store, { name = "to", exclude = null, required = true } = {}) {
  const people = store.people.filter((person) => person.id !== exclude);
  return el(
    "select",
    { name, required },
    el("option", { value: "" }, t("choose")),
    el(
      "optgroup",
      { label: t("people") },
      people.map((person) => el("option", { value: `agent:${person.id}` }, person.name)),
    ),
    store.groups.length
      ? el(
          "optgroup",
          { label: t("lines_queue") },
          store.groups.map((group) => el("option", { value: `group:${group.id}` }, group.name)),
        )
      : null,
  );
}

// "agent:3" -> {agent_id: 3}; "group:2" -> {group_id: 2}; with `prefix` "to_" for handovers.
export function recipient(value, prefix = "") {
  const [kind, id] = String(value || "").split(":");
  if (kind !== "agent" && kind !== "group") return {};
  return { [`${prefix}${kind}_id`]: Number(id) };
}

// Press Take: the task is mine, or the toast says who was first (the row moves on anyway).
export async function takeTask(ctx, task) {
  const result = await ctx.actions.take(task);
  if (result.ok) {
    toast(t("taken", { title: task.title }));
  } else if (result.status === 409 && result.data?.taken_by) {
    toast(t("taken_by", { name: result.data.taken_by.name }), "error");
  } else {
    toast(errorMessage(result), "error");
  }
  return result.ok;
}

// A move (assign, transfer, handover) that gave somebody else's task to me.
export function handedToMe(message, me) {
  if (!message.to || !message.task) return false;
  return message.to.agent?.id === me.id && message.actor?.id !== me.id;
}
