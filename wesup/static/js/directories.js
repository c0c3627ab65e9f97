// Directories: chats, statuses and support lines, added, edited inline and deleted through the
// JSON API.
// The server archives an entry still used by tasks (shown greyed) and removes an unused one.
// Other people's changes arrive live.

import { api } from "./api.js";
import { el, errorMessage, readJSON, showFieldErrors, t, toast } from "./dom.js";
import { startLive } from "./live.js";
import { statusChip } from "./taskrow.js";

const page = readJSON("page-data");
const names = new Map(page.people.map((person) => [person.id, person.name]));
const lineTag = (group) => el("span", { class: "line-tag", style: { "--c": group.color } }, group.name);

const textInput = (name, value, { required = false, max = 120 } = {}) =>
  el("input", { name, value: value ?? "", required, maxlength: max, autocomplete: "off" });

const categorySelect = (value) =>
  el(
    "select",
    { name: "category" },
    page.categories.map((category) =>
      el("option", { value: category, selected: category === value }, t(`cat_${category}`)),
    ),
  );

// A chat's address as pages may show it: Apprise's masked form, never the address itself.
const addressCell = (chat) =>
  el(
    "div",
    { class: "chat-address" },
    chat.has_notify_url
      ? el("code", {}, chat.notify_url_masked)
      : el("span", { class: "muted" }, t("notify_url_none")),
    chat.gets_new_tasks ? el("span", { class: "badge" }, t("developers")) : "",
  );

// Editing an address: a new one replaces it, an empty box keeps it, the box below clears it.
const addressFields = (chat) =>
  el(
    "div",
    { class: "stack-fields" },
    withError(
      "notify_url",
      el("input", {
        name: "notify_url",
        value: "",
        maxlength: 2000,
        autocomplete: "off",
        spellcheck: "false",
        placeholder: chat.has_notify_url ? t("notify_url_keep") : "tgram://bot-token/chat-id",
        "aria-label": t("notify_url_new"),
      }),
    ),
    chat.has_notify_url
      ? el("label", { class: "check" }, el("input", { type: "checkbox", name: "notify_url_clear" }), " ", t("notify_url_clear"))
      : "",
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", name: "gets_new_tasks", checked: chat.gets_new_tasks }),
      " ",
      t("gets_new_tasks"),
    ),
  );

function chatValues(row) {
  const values = {
    name: row.querySelector("[name=name]").value,
    note: row.querySelector("[name=note]").value,
    gets_new_tasks: row.querySelector("[name=gets_new_tasks]").checked,
  };
  const address = row.querySelector("[name=notify_url]").value.trim();
  if (address) values.notify_url = address;
  else if (row.querySelector("[name=notify_url_clear]")?.checked) values.notify_url = "";
  return values;
}

// "Send test": one message now; the answer says whether the chat got it.
async function sendTest(chat) {
  const result = await api("POST", `/api/chats/${chat.id}/test`);
  if (!result.ok) {
    toast(errorMessage(result), "error");
  } else if (result.data.test.sent) {
    toast(t("test_sent", { name: chat.name }));
  } else {
    toast(t("test_failed", { name: chat.name, error: result.data.test.error }), "error");
  }
}

const withError = (name, input) =>
  el(
    "div",
    { class: "cell-field" },
    input,
    el("span", { class: "field-error", dataset: { errorFor: name }, hidden: true }),
  );

// What differs per directory: its URL, its event key, its columns in view and edit mode.
const KINDS = {
  chats: {
    key: "chat",
    order: (a, b) =>
      Number(a.archived) - Number(b.archived) ||
      a.name.localeCompare(b.name) ||
      a.id - b.id,
    cells: (chat) => [el("strong", {}, chat.name), chat.note || "", addressCell(chat)],
    editCells: (chat) => [
      withError("name", textInput("name", chat.name, { required: true })),
      withError("note", textInput("note", chat.note, { max: 1000 })),
      addressFields(chat),
    ],
    values: chatValues,
    extraActions: (chat) =>
      chat.has_notify_url && !chat.archived
        ? [el("button", { type: "button", class: "small", onclick: () => sendTest(chat) }, t("send_test"))]
        : [],
  },
  statuses: {
    key: "status",
    order: (a, b) =>
      Number(a.archived) - Number(b.archived) || a.position - b.position || a.id - b.id,
    cells: (status) => [
      statusChip(status, { current: true }),
      t(`cat_${status.category}`),
      String(status.position),
    ],
    editCells: (status) => [
      el(
        "div",
        { class: "inline-fields" },
        el("input", {
          name: "color",
          type: "color",
          value: status.color,
          "aria-label": t("color"),
        }),
        withError("name", textInput("name", status.name, { required: true, max: 64 })),
      ),
      withError("category", categorySelect(status.category)),
      withError("position", el("input", { name: "position", type: "number", value: status.position })),
    ],
    values: (row) => ({
      name: row.querySelector("[name=name]").value,
      color: row.querySelector("[name=color]").value,
      category: row.querySelector("[name=category]").value,
      position: row.querySelector("[name=position]").value,
    }),
  },
  groups: {
    key: "group",
    order: (a, b) =>
      Number(a.archived) - Number(b.archived) || a.position - b.position || a.id - b.id,
    cells: (group) => [
      lineTag(group),
      String(group.position),
      group.member_ids.map((id) => names.get(id) || `#${id}`).join(", "),
    ],
    editCells: (group) => [
      el(
        "div",
        { class: "inline-fields" },
        el("input", { name: "color", type: "color", value: group.color, "aria-label": t("color") }),
        withError("name", textInput("name", group.name, { required: true, max: 64 })),
      ),
      withError("position", el("input", { name: "position", type: "number", value: group.position })),
      group.member_ids.map((id) => names.get(id) || `#${id}`).join(", "),
    ],
    values: (row) => ({
      name: row.querySelector("[name=name]").value,
      color: row.querySelector("[name=color]").value,
      position: row.querySelector("[name=position]").value,
    }),
  },
};

const state = {};
for (const kind of Object.keys(KINDS)) {
  state[kind] = {
    entries: new Map(page[kind].map((entry) => [entry.id, entry])),
    body: document.querySelector(`#${kind} tbody`),
    editing: new Set(),
  };
}

function viewRow(kind, entry) {
  const config = KINDS[kind];
  const actions = [
    el("button", { type: "button", class: "small", onclick: () => edit(kind, entry.id) }, t("edit")),
    ...(config.extraActions ? config.extraActions(entry) : []),
  ];
  if (entry.archived) {
    actions.push(
      el("button", { type: "button", class: "small", onclick: () => restore(kind, entry.id) }, t("restore")),
    );
  } else {
    actions.push(
      el(
        "button",
        { type: "button", class: "small danger-link", onclick: () => remove(kind, entry.id) },
        t("delete"),
      ),
    );
  }
  return el(
    "tr",
    { class: entry.archived ? "archived" : "", dataset: { id: entry.id } },
    config.cells(entry).map((cell) => el("td", {}, cell)),
    el("td", {}, entry.archived ? el("span", { class: "badge" }, t("archived")) : ""),
    el("td", { class: "c-actions" }, actions),
  );
}

function editRow(kind, entry) {
  const config = KINDS[kind];
  const row = el(
    "tr",
    { class: "editing", dataset: { id: entry.id } },
    config.editCells(entry).map((cell) => el("td", {}, cell)),
    el("td", {}),
    el(
      "td",
      { class: "c-actions" },
      el("button", { type: "button", class: "small primary", onclick: () => save(kind, entry.id) }, t("save")),
      el("button", { type: "button", class: "small", onclick: () => cancel(kind, entry.id) }, t("cancel")),
    ),
  );
  row.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("input")) {
      event.preventDefault();
      save(kind, entry.id);
    } else if (event.key === "Escape") {
      cancel(kind, entry.id);
    }
  });
  return row;
}

function rowOf(kind, id) {
  return state[kind].body.querySelector(`tr[data-id="${Number(id)}"]`);
}

function render(kind) {
  const { entries, body, editing } = state[kind];
  const sorted = [...entries.values()].sort(KINDS[kind].order);
  const rows = sorted.map((entry) =>
    editing.has(entry.id) && rowOf(kind, entry.id) ? rowOf(kind, entry.id) : viewRow(kind, entry),
  );
  body.replaceChildren(...rows);
  document.querySelector(`[data-empty="${kind}"]`).hidden = rows.length > 0;
}

function upsert(kind, entry) {
  state[kind].entries.set(entry.id, entry);
  render(kind);
}

function forget(kind, id) {
  state[kind].entries.delete(id);
  state[kind].editing.delete(id);
  render(kind);
}

function edit(kind, id) {
  const entry = state[kind].entries.get(id);
  state[kind].editing.add(id);
  const row = editRow(kind, entry);
  rowOf(kind, id).replaceWith(row);
  row.querySelector("input[name=name]").focus();
}

function cancel(kind, id) {
  state[kind].editing.delete(id);
  rowOf(kind, id)?.replaceWith(viewRow(kind, state[kind].entries.get(id)));
}

async function save(kind, id) {
  const row = rowOf(kind, id);
  const result = await api("PATCH", `/api/${kind}/${id}`, KINDS[kind].values(row));
  if (!result.ok) {
    showFieldErrors(row, result.data?.error?.fields);
    toast(errorMessage(result), "error");
    return;
  }
  state[kind].editing.delete(id);
  upsert(kind, result.data[KINDS[kind].key]);
  toast(t("saved"));
}

async function remove(kind, id) {
  const entry = state[kind].entries.get(id);
  if (!window.confirm(t("confirm_delete_entry", { name: entry.name }))) return;
  const result = await api("DELETE", `/api/${kind}/${id}`);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return;
  }
  if (result.data.removed) {
    forget(kind, id);
    toast(t("entry_removed", { name: entry.name }));
  } else {
    upsert(kind, result.data[KINDS[kind].key]);
    toast(t("entry_archived", { name: entry.name }));
  }
}

// Unarchive: the entry is back in the pickers (a name taken meanwhile is refused).
async function restore(kind, id) {
  const result = await api("POST", `/api/${kind}/${id}/restore`);
  if (!result.ok) {
    toast(errorMessage(result), "error");
    return;
  }
  const entry = result.data[KINDS[kind].key];
  upsert(kind, entry);
  toast(t("entry_restored", { name: entry.name }));
}

function setupAddForm(kind) {
  const form = document.getElementById(`add-${kind}`);
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (data.position === "") delete data.position;
    const result = await api("POST", `/api/${kind}`, data);
    if (!result.ok) {
      showFieldErrors(form, result.data?.error?.fields);
      toast(errorMessage(result), "error");
      return;
    }
    showFieldErrors(form, {});
    form.reset();
    upsert(kind, result.data[KINDS[kind].key]);
    form.querySelector("input[name=name]").focus();
  });
}

// Live: somebody else's change shows up; an entry being edited here keeps its form.
const on = {};
for (const [kind, config] of Object.entries(KINDS)) {
  for (const action of ["created", "updated", "archived", "restored"]) {
    on[`${config.key}.${action}`] = (message) => {
      const entry = message[config.key];
      state[kind].entries.set(entry.id, entry);
      render(kind);
    };
  }
  on[`${config.key}.deleted`] = (message) => forget(kind, message[config.key].id);
}

async function reload() {
  const session = await api("GET", "/api/session");
  const lists = await Promise.all(
    Object.keys(KINDS).map((kind) => api("GET", `/api/${kind}?archived=1`)),
  );
  if (!session.ok || lists.some((result) => !result.ok)) {
    toast(t("failed"), "error");
    return undefined;
  }
  Object.keys(KINDS).forEach((kind, index) => {
    state[kind].entries = new Map(lists[index].data[kind].map((entry) => [entry.id, entry]));
    state[kind].editing.clear();
    render(kind);
  });
  return session.data.seq;
}

for (const kind of Object.keys(KINDS)) {
  render(kind);
  setupAddForm(kind);
}
startLive({ view: "mine", seq: page.seq, on, reload });
