// The incident pages (/incidents and /incidents/<id>): drawn by the server, kept live here.
// An incident event (created, linked, unlinked, resolved), or a change to one of the shown
// tasks, fetches the page again and swaps its live region: the server renders it (and
// escapes every name), so this module never builds markup from data.

import { readJSON } from "./dom.js";
import { directoryKinds, taskKinds } from "./enums.js";
import { startLive } from "./live.js";

const page = readJSON("page-data");
const REGION = "[data-live-region]";

// The task ids the page shows now (the incident page's rows).
const shownTaskIds = () =>
  new Set([...document.querySelectorAll(`${REGION} tr[data-task-id]`)].map((row) => row.dataset.taskId));

let fetching = null;
let again = false;

// Fetch this page and put its live region in place of ours; returns the page's seq.
async function refresh() {
  if (fetching) {
    again = true;
    return fetching;
  }
  fetching = (async () => {
    const response = await fetch(window.location.pathname, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const region = fresh.querySelector(REGION);
    const mine = document.querySelector(REGION);
    if (region && mine) mine.replaceWith(document.importNode(region, true));
    for (const painted of document.querySelectorAll(`${REGION} [data-color]`)) {
      painted.style.setProperty("--c", painted.dataset.color);
    }
    const data = JSON.parse(fresh.getElementById("page-data")?.textContent || "{}");
    return data.seq;
  })();
  try {
    return await fetching;
  } finally {
    fetching = null;
    if (again) {
      again = false;
      refresh();
    }
  }
}

// A form of this page is on its way (resolve, announce, link): its answer draws the page
// anew, and a reload now would abort that navigation (the lead would see an error page).
let sending = false;
window.addEventListener("submit", (event) => {
  if (!event.defaultPrevented) sending = true;
});

const mentionsThisIncident = (message) =>
  page.view === "list" || message.incident?.id === page.incident_id;

const on = {};
for (const kind of directoryKinds("incident")) {
  on[kind] = (message) => {
    if (message.incident?.id === page.incident_id && message.kind.endsWith(".resolved")) {
      if (!sending) window.location.reload(); // the lead's forms go away: draw it anew
      return;
    }
    if (mentionsThisIncident(message)) refresh();
  };
}
if (page.view === "incident") {
  for (const kind of taskKinds()) {
    on[kind] = (message) => {
      if (shownTaskIds().has(String(message.task_id))) refresh();
    };
  }
}

startLive({ view: "board", seq: page.seq, on, reload: refresh });
