// How a message to a chat is doing, in the pages' words: queued, sent, failed (retrying or
// given up). Shared by the Announcements page and the delivery log.

import { api } from "./api.js";
import { el, t, toast } from "./dom.js";

export function deliveryWord(delivery) {
  if (delivery.status === "failed") {
    return t(delivery.retrying ? "delivery_retrying" : "delivery_failed");
  }
  return t(`delivery_${delivery.status}`);
}

export function deliveryBadge(delivery) {
  return el(
    "span",
    { class: `badge delivery-${delivery.status}`, dataset: { status: delivery.status } },
    deliveryWord(delivery),
  );
}

// After a long disconnect: a fresh list from `url` (its `key`) handed to `use`, and the seq
// it is consistent with (read first, as the pages' snapshots are), for live.js.
export async function reloadList(url, key, use) {
  const session = await api("GET", "/api/session");
  const fresh = session.ok ? await api("GET", url) : session;
  if (!fresh.ok) {
    toast(t("failed"), "error");
    return undefined;
  }
  use(fresh.data[key]);
  return session.data.seq;
}
