// The delivery log (admins): the newest messages to chats; status changes arrive live.

import { deliveryBadge, liveList } from "./deliveries.js";
import { eventKind } from "./enums.js";
import { el, readJSON } from "./dom.js";
import { stamp } from "./teamtime.js";

function rowNode(row) {
  return el(
    "tr",
    { dataset: { id: row.id } },
    el("td", {}, stamp(row.created_at)),
    el("td", {}, row.chat),
    el("td", {}, row.kind),
    el("td", { class: "delivery-body" }, row.body),
    el("td", {}, deliveryBadge(row)),
    el("td", {}, String(row.attempts)),
    el("td", { class: "muted" }, row.error || ""),
  );
}

const deliveries = liveList({
  page: readJSON("page-data"),
  key: "deliveries",
  url: "/api/deliveries",
  list: document.querySelector("#deliveries tbody"),
  node: rowNode,
  limit: 200,
});
deliveries.start({
  [eventKind("DELIVERY_UPDATED")]: (message) => deliveries.upsert(message.delivery),
});
