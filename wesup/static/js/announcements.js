// Announcements: send one message to many chats, watch each chat's delivery live, follow up
// to the same chats in one click.

import { api } from "./api.js";
import { deliveryBadge, liveList } from "./deliveries.js";
import { eventKind } from "./enums.js";
import { el, errorMessage, readJSON, showFieldErrors, t, toast } from "./dom.js";
import { stamp } from "./teamtime.js";

const list = document.getElementById("announcements");

function deliveryRow(delivery) {
  return el(
    "tr",
    { dataset: { deliveryId: delivery.id, chatId: delivery.chat_id } },
    el("td", {}, delivery.chat),
    el("td", {}, deliveryBadge(delivery)),
    el("td", {}, t("attempts", { n: delivery.attempts })),
    el("td", { class: "muted" }, delivery.error || ""),
  );
}

function followUpForm(item) {
  const text = el("textarea", { name: "text", rows: 2, maxlength: 4000, required: true });
  text.value = t("follow_up_text");
  const form = el(
    "form",
    { class: "inline-form follow-up" },
    el("div", { class: "field grow" }, text, el("span", { class: "field-error", dataset: { errorFor: "text" }, hidden: true })),
    el("button", { type: "submit", class: "small primary" }, t("follow_up")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", `/api/announcements/${item.id}/follow-up`, { text: text.value });
    if (!result.ok) {
      showFieldErrors(form, result.data?.error?.fields);
      toast(errorMessage(result), "error");
      return;
    }
    announcements.upsert(result.data.announcement);
    toast(t("announcement_sent", { n: result.data.announcement.deliveries.length }));
  });
  return form;
}

function itemNode(item) {
  const facts = [stamp(item.created_at), item.author ? item.author.name : ""];
  if (item.follow_up_of) facts.push(t("follow_up_of", { id: item.follow_up_of }));
  return el(
    "li",
    { class: "announcement", dataset: { id: item.id } },
    el("p", { class: "muted" }, `#${item.id} · ${facts.filter(Boolean).join(" · ")}`),
    el("p", { class: "announcement-text" }, item.text),
    el("table", { class: "directory deliveries" }, el("tbody", {}, item.deliveries.map(deliveryRow))),
    followUpForm(item),
  );
}

const announcements = liveList({
  page: readJSON("page-data"),
  key: "announcements",
  url: "/api/announcements",
  list,
  node: itemNode,
});

// A status change of one chat's copy: only its row changes (a follow-up being typed stays).
function applyDelivery(delivery) {
  const item = announcements.items.get(delivery.announcement_id);
  if (!item) return;
  item.deliveries = item.deliveries.map((known) => (known.id === delivery.id ? delivery : known));
  list.querySelector(`tr[data-delivery-id="${Number(delivery.id)}"]`)?.replaceWith(deliveryRow(delivery));
}

const form = document.getElementById("announce");
if (form) {
  form.hidden = false;
  const all = form.querySelector("[name=all]");
  const choices = form.querySelector("[data-chat-choices]");
  const follow = () => {
    choices.hidden = all.checked;
  };
  all.addEventListener("change", follow);
  follow();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("[name=chat_ids]:checked")].map((box) => Number(box.value));
    const body = { text: form.querySelector("[name=text]").value, chat_ids: all.checked ? "all" : chosen };
    const result = await api("POST", "/api/announcements", body);
    if (!result.ok) {
      showFieldErrors(form, result.data?.error?.fields);
      toast(errorMessage(result), "error");
      return;
    }
    showFieldErrors(form, {});
    form.querySelector("[name=text]").value = "";
    announcements.upsert(result.data.announcement);
    toast(t("announcement_sent", { n: result.data.announcement.deliveries.length }));
  });
}

announcements.start({
  [eventKind("ANNOUNCEMENT_CREATED")]: (message) => announcements.upsert(message.announcement),
  [eventKind("DELIVERY_UPDATED")]: (message) => applyDelivery(message.delivery),
});
