// Reports: the numbers (rendered by the server, reports/_report.html), the charts, the tasks
// behind each number, printing; a report of a stretch that includes now fetches its part again
// as task events arrive (debounced), so the numbers and charts follow the team live.

import { api } from "./api.js";
import { el, errorMessage, readJSON, t } from "./dom.js";
import { taskKinds } from "./enums.js";
import { startLive } from "./live.js";
import { drawCharts } from "./reportcharts.js";
import { stamp } from "./teamtime.js";
import { formatDuration } from "./timefmt.js";

const REFRESH_AFTER_MS = 1500; // a burst of events (a handover moves many tasks) costs one fetch

const part = document.getElementById("report-part");
const dialog = document.getElementById("drill");
let data = readJSON("report-data");
let charts = drawCharts(data.charts);

// --- the tasks behind a number -----------------------------------------------------------

// The tasks behind a number: the cell says which list (data-metric, from the server). They
// come a page at a time (the server's WESUP_REPORT_PAGE_SIZE): a month's "received" can be
// 100,000 tasks, so "Show more" asks for the next page and appends it.
function drillUrl(key, metric, offset) {
  const params = new URLSearchParams({ ...data.query, by: data.by, key, metric, offset });
  return `${data.tasks_url}?${params}`;
}

let drill = null; // the list the dialog shows: {key, metric, next, shown}; a new one replaces it

function taskRow(task) {
  return el(
    "tr",
    { dataset: { taskId: task.id } },
    el("td", { class: "muted" }, `#${task.id}`),
    el("td", { class: "c-title" }, task.title),
    el("td", {}, task.agent?.name || task.group?.name || "—"),
    el("td", {}, task.chat?.name || "—"),
    el("td", {}, task.status?.name || ""),
    el("td", {}, stamp(task.received_at)),
    el("td", {}, task.resolved_at ? stamp(task.resolved_at) : ""),
    el("td", { class: "n" }, task.seconds === null ? "" : formatDuration(task.seconds)),
  );
}

// Fetches the list's page at `drill.next` and appends it; a page that arrives after another
// number was opened is dropped.
async function loadPage(list) {
  const status = dialog.querySelector("[data-drill-status]");
  const table = dialog.querySelector(".drill-tasks");
  const more = dialog.querySelector("[data-drill-more]");
  const next = more.querySelector("[data-drill-next]");
  next.disabled = true;
  const result = await api("GET", drillUrl(list.key, list.metric, list.next));
  if (drill !== list) return;
  next.disabled = false;
  if (!result.ok) {
    status.textContent = errorMessage(result);
    status.hidden = false;
    return;
  }
  const { tasks = [], total = 0, next_offset: following = null } = result.data;
  table.querySelector("tbody").append(...tasks.map(taskRow));
  list.shown += tasks.length;
  list.next = following;
  table.hidden = list.shown === 0;
  status.textContent = list.shown ? "" : t("report_no_tasks");
  status.hidden = list.shown > 0;
  more.querySelector("[data-drill-count]").textContent = t("report_shown_of", {
    shown: list.shown,
    total,
  });
  more.hidden = list.shown === 0;
  next.hidden = following === null;
}

async function openDrill(button) {
  const row = button.closest("tr");
  const header = document.querySelector(`#report-table th[data-col="${button.dataset.cell}"]`);
  const keyName = row.querySelector("th").textContent;
  dialog.querySelector("[data-drill-title]").textContent = t("report_tasks_of", {
    metric: header ? header.textContent : button.dataset.cell,
    key: keyName,
  });
  const status = dialog.querySelector("[data-drill-status]");
  const table = dialog.querySelector(".drill-tasks");
  status.textContent = t("loading");
  status.hidden = false;
  table.hidden = true;
  table.querySelector("tbody").replaceChildren();
  dialog.querySelector("[data-drill-more]").hidden = true;
  if (!dialog.open) dialog.showModal();
  drill = { key: button.dataset.key, metric: button.dataset.metric, next: 0, shown: 0 };
  await loadPage(drill);
}

part.addEventListener("click", (event) => {
  const button = event.target.closest("button.num");
  if (button) openDrill(button);
});
dialog.querySelector("[data-drill-next]").addEventListener("click", () => {
  if (drill && drill.next !== null) loadPage(drill);
});
dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
dialog.addEventListener("click", (event) => {
  if (event.target === dialog) dialog.close(); // a click on the backdrop
});

document.querySelector("[data-print]")?.addEventListener("click", () => window.print());

// --- live ----------------------------------------------------------------------------------

// The part comes from our own server, rendered by the same template as the page (Jinja
// escapes every name in it): parsed as a document, never assigned as markup.
async function fetchPart() {
  const params = new URLSearchParams({ ...data.query, by: data.by });
  const response = await fetch(`${part.dataset.partUrl}?${params}`, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) throw new Error(`report part: ${response.status}`);
  const html = await response.text();
  const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("report");
  if (!fresh) throw new Error("report part: no #report");
  const node = document.adoptNode(fresh);
  for (const painted of node.querySelectorAll("[data-color]")) {
    painted.style.setProperty("--c", painted.dataset.color);
  }
  document.getElementById("report").replaceWith(node);
  data = readJSON("report-data");
  charts = drawCharts(data.charts, charts);
  return data.seq;
}

if (data.live) {
  let timer = null;
  let live = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => live.reload("events"), REFRESH_AFTER_MS);
  };
  const on = Object.fromEntries(taskKinds().map((kind) => [kind, refresh]));
  live = startLive({ view: "board", seq: data.seq, on, reload: fetchPart });
  // The stretch ends (the shift or the day is over): the page shows the next one only when
  // asked, but its numbers stop changing, so it stops listening.
}
