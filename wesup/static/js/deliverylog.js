// The delivery log (admins): the newest messages to chats; status changes arrive live.

import { deliveryBadge, reloadList } from "./deliveries.js";
import { eventKind } from "./enums.js";
import { el, readJSON } from "./dom.js";
import { startLive } from "./live.js";
import { stamp } from "./teamtime.js";

const LIMIT = 200;
const page = readJSON("page-data");
const body = document.querySelector("#deliveries tbody");
let rows = new Map(page.deliveries.map((row) => [row.id, row]));

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

function render() {
  const newest = [...rows.values()].sort((a, b) => b.id - a.id).slice(0, LIMIT);
  body.replaceChildren(...newest.map(rowNode));
  document.querySelector('[data-empty="deliveries"]').hidden = newest.length > 0;
}

const reload = () =>
  reloadList("/api/deliveries", "deliveries", (items) => {
    rows = new Map(items.map((row) => [row.id, row]));
    render();
  });

render();
startLive({
  view: "mine",
  seq: page.seq,
  on: {
    [eventKind("DELIVERY_UPDATED")]: (message) => {
      rows.set(message.delivery.id, message.delivery);
      render();
    },
  },
  reload,
});
