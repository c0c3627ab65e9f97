// How a message to a chat is doing, in the pages' words: queued, sent, failed (retrying or
// given up), and the live list both pages keep. Shared by the Announcements page and the
// delivery log.

import { api } from "./api.js";
import { el, t, toast } from "./dom.js";
import { startLive } from "./live.js";

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

// The page's list of `key` (announcements, deliveries) kept by id and drawn newest first into
// `list` (at most `limit` of them, each by `node`), with its "nothing yet" line. `start(on)`
// applies live events (kind -> handler) from the snapshot's seq; after a long disconnect the
// list is read afresh from `url`.
export function liveList({ page, key, url, list, node, limit = Infinity }) {
  const items = new Map(page[key].map((item) => [item.id, item]));

  function render() {
    const newest = [...items.values()].sort((a, b) => b.id - a.id).slice(0, limit);
    list.replaceChildren(...newest.map(node));
    document.querySelector(`[data-empty="${key}"]`).hidden = newest.length > 0;
  }

  function upsert(item) {
    items.set(item.id, item);
    render();
  }

  const reload = () =>
    reloadList(url, key, (fresh) => {
      items.clear();
      for (const item of fresh) items.set(item.id, item);
      render();
    });

  function start(on) {
    render();
    startLive({ view: "mine", seq: page.seq, on, reload });
  }

  return { items, upsert, start };
}
