// All tasks, for leads and admins: "Link into incident" turns row clicks into picking (a
// picked row is marked; the task dialog stays closed meanwhile), then links the picked open
// tasks into a new incident (a title) or into an open one, through the incidents API. The
// picks survive live re-rendering of the rows: they are kept by task id.

import { api } from "./api.js";
import { el, errorMessage, fill, toast } from "./dom.js";

const box = document.getElementById("incident-pick");
const body = document.querySelector("#board tbody");

if (box && body) {
  const words = box.dataset;
  const bar = box.querySelector("[data-pick-bar]");
  const start = box.querySelector("[data-pick-start]");
  const count = box.querySelector("[data-picked-count]");
  const target = box.querySelector("[data-pick-incident]");
  const titleField = box.querySelector("[data-pick-title-field]");
  const title = box.querySelector("[data-pick-title]");
  const error = box.querySelector("[data-pick-error]");
  const picked = new Set();
  let picking = false;

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function mark() {
    for (const row of body.querySelectorAll("tr[data-task-id]")) {
      const on = picking && picked.has(Number(row.dataset.taskId));
      row.classList.toggle("is-picked", on);
      row.setAttribute("aria-selected", on ? "true" : "false");
    }
    count.textContent = picking ? fill(words.pickedLabel, { n: picked.size }) : "";
  }

  async function loadIncidents() {
    const result = await api("GET", "/api/incidents");
    const chosen = target.value;
    target.replaceChildren(
      target.options[0],
      ...(result.ok ? result.data.incidents : []).map((incident) =>
        el("option", { value: incident.id }, incident.title),
      ),
    );
    target.value = chosen;
    titleField.hidden = Boolean(target.value);
  }

  function setPicking(on) {
    picking = on;
    if (!on) picked.clear();
    bar.hidden = !on;
    start.hidden = on;
    document.body.classList.toggle("is-picking", on);
    showError("");
    if (on) {
      toast(words.pickHint);
      loadIncidents();
    }
    mark();
  }

  function toggle(row) {
    if (row.classList.contains("resolved") || row.classList.contains("deleted")) return;
    const id = Number(row.dataset.taskId);
    if (picked.has(id)) picked.delete(id);
    else picked.add(id);
    mark();
  }

  // Capture: while picking, a click on a row (or Space / Enter on it) picks it and reaches
  // nothing inside the row.
  const pickFrom = (event) => {
    const row = picking && event.target.closest("tr[data-task-id]");
    if (!row) return;
    event.preventDefault();
    event.stopPropagation();
    toggle(row);
  };
  body.addEventListener("click", pickFrom, true);
  body.addEventListener(
    "keydown",
    (event) => (event.key === " " || event.key === "Enter") && pickFrom(event),
    true,
  );
  new MutationObserver(mark).observe(body, { childList: true });

  start.addEventListener("click", () => setPicking(true));
  box.querySelector("[data-pick-stop]").addEventListener("click", () => setPicking(false));
  target.addEventListener("change", () => {
    titleField.hidden = Boolean(target.value);
  });
  bar.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!picked.size) {
      showError(words.noneLabel);
      return;
    }
    const taskIds = [...picked].sort((a, b) => a - b);
    const result = target.value
      ? await api("POST", `/api/incidents/${Number(target.value)}/tasks`, { task_ids: taskIds })
      : await api("POST", "/api/incidents", { title: title.value, task_ids: taskIds });
    if (!result.ok) {
      const fields = result.data?.error?.fields || {};
      showError([errorMessage(result), ...Object.values(fields)].join(" "));
      return;
    }
    const incident = result.data.incident;
    title.value = "";
    setPicking(false);
    const link = el(
      "a",
      { href: `${words.incidentUrl}${incident.id}` },
      fill(words.linkedLabel, { title: incident.title }),
    );
    toast(link);
  });
}
