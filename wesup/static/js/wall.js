// The wall board: one lane per person on shift, their open tasks as cards aging in color.
//
// The page draws from a model (every task it knows, who is online) and rebuilds the lanes
// from it after each change, so a snapshot reload after a "reload" message renders exactly
// like the first load. Live events come through live.js. Text goes in with textContent only.
//
// Who is on shift and what each lane holds is rules.js wallLanes, the rule the server's
// snapshot follows too (wesup/rules.py): has open tasks, or resolved one today, or is an agent
// with WeSup open now.

import { el as make } from "./dom.js";
import { directoryKinds, taskKinds } from "./enums.js";
import { acceptTask, startLive } from "./live.js";
import { wallLanes } from "./rules.js";
import { formatDuration } from "./timefmt.js";

const body = document.body;
const words = body.dataset;
const WARN_MS = Number(words.warnMinutes || 30) * 60_000;
const ALERT_MS = Number(words.alertMinutes || 120) * 60_000;
const PAGE_MS = Math.max(5, Number(words.pageSeconds || 15)) * 1000;
const LANE_MIN_REM = 21; // narrowest lane still readable from across the room
const COLOR = /^#[0-9a-f]{6}$/i;

const lanesBox = document.getElementById("wall-lanes");
const summaryBox = document.getElementById("wall-summary");
const onlineBox = document.getElementById("wall-online");
const pageBox = document.getElementById("wall-page");

const model = {
  seq: 0, // the snapshot's seq: older events are already in it
  tasks: new Map(), // id -> task (open, resolved today, or gone: the classifier decides)
  online: [], // [{id, name}]
  shiftAgentIds: new Set(),
  dayStart: "", // ISO: the team's midnight that began today (resolved-today counts)
  dayEnd: 0,
  skew: 0, // server clock minus this screen's clock, ms: a TV's clock may be off
};
let page = 0;
let renderQueued = false;
let rolloverTimer = null;

const serverNow = () => Date.now() + model.skew;
const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));

const el = (tag, className, text) => make(tag, { class: className }, text);

// --- model ---------------------------------------------------------------------------------

function load(snapshot) {
  model.seq = snapshot.seq;
  model.tasks = new Map();
  for (const lane of snapshot.lanes) {
    for (const task of [...lane.tasks, ...lane.resolved_today]) model.tasks.set(task.id, task);
  }
  model.online = snapshot.online || [];
  model.shiftAgentIds = new Set(snapshot.shift_agent_ids || []);
  model.dayStart = snapshot.day_start;
  model.dayEnd = Date.parse(snapshot.day_end);
  model.skew = Date.parse(snapshot.now) - Date.now();
  clearTimeout(rolloverTimer);
  // A new team day: resolved-today counts start over, so take a fresh snapshot.
  const untilNewDay = Math.max(5000, model.dayEnd - serverNow() + 2000);
  rolloverTimer = setTimeout(() => live && live.reload("new day"), untilNewDay);
  scheduleRender();
}

function onTask(message) {
  if (message.seq <= model.seq || !message.task) return;
  acceptTask(model.tasks, message.task);
  scheduleRender();
}

function onDirectory(key, change) {
  return (message) => {
    const entry = message[key];
    if (message.seq <= model.seq || !entry) return;
    for (const [id, task] of model.tasks) {
      if (task[key] && task[key].id === entry.id) {
        model.tasks.set(id, { ...task, [key]: change(task[key], entry) });
      }
    }
    scheduleRender();
  };
}

const onChat = onDirectory("chat", (chat, entry) => ({ ...chat, name: entry.name }));
const onStatus = onDirectory("status", (status, entry) => ({
  ...status,
  name: entry.name,
  color: entry.color,
  category: entry.category,
}));

const buildLanes = () =>
  wallLanes(model.tasks.values(), model.online, model.shiftAgentIds, model.dayStart);

// --- drawing -------------------------------------------------------------------------------

function card(task, compact) {
  const item = el("li", compact ? "card card-compact" : "card");
  item.dataset.taskId = String(task.id);
  item.dataset.since = task.received_at;
  if (COLOR.test(task.status.color)) item.style.setProperty("--status-color", task.status.color);
  const meta = el("div", "card-meta");
  meta.append(el("span", "card-chat", task.chat ? task.chat.name : ""), el("span", "card-age"));
  item.append(meta, el("div", "card-title", task.title));
  if (!compact) {
    const status = el("div", "card-status");
    status.append(el("span", "status-dot"), el("span", "status-name", task.status.name));
    item.append(status);
  }
  return item;
}

function cardList(tasks, compact) {
  const list = el("ol", "cards");
  for (const task of tasks) list.append(card(task, compact));
  return list;
}

function laneElement(lane, onlineIds) {
  const section = el("section", "lane");
  section.dataset.agentId = String(lane.agent.id);
  const head = el("header", "lane-head");
  const name = el("h2", "lane-name");
  const dot = el("span", onlineIds.has(lane.agent.id) ? "presence-dot online" : "presence-dot");
  dot.title = onlineIds.has(lane.agent.id) ? words.labelOnline : "";
  name.append(dot, el("span", "lane-name-text", lane.agent.name));
  const counts = el("div", "lane-counts");
  counts.append(
    el("span", "count count-open", fill(words.labelOpen, { n: lane.open.length })),
    el("span", "count count-resolved", fill(words.labelResolved, { n: lane.resolved.length })),
  );
  head.append(name, counts);
  section.append(head, cardList(lane.open, false));
  if (lane.postponed.length) {
    const group = el("div", "postponed");
    group.append(
      el("h3", "postponed-head", fill(words.labelPostponed, { n: lane.postponed.length })),
      cardList(lane.postponed, true),
    );
    section.append(group);
  }
  return section;
}

// Make every lane's cards fit without scrolling. A rush must stay visible: first the cards
// get denser (DENSITY, styled in wall.css); only when even the densest layout overflows are
// middle cards hidden behind a "+ N more" marker, keeping the oldest (they shout) and the
// newest (a new request is seen at once). Postponed cards give up their room first.
const DENSITY = ["is-dense", "is-denser"];
const HIDING = DENSITY.length + 1;

function fitCards(root) {
  for (const lane of root.querySelectorAll(".lane")) {
    const open = lane.querySelector(":scope > .cards");
    const parked = lane.querySelector(".postponed > .cards");
    if (parked) fitList(parked); // the open list takes whatever height the postponed leave
    if (fitList(open) > 0 && parked) {
      fitList(parked, DENSITY.length);
      fitList(open);
    }
  }
}

const overflows = (list) => list.scrollHeight > list.clientHeight + 1;

// Fit one list, at least `least` levels dense; returns the level it took (HIDING: cards hidden).
function fitList(list, least = 0) {
  const cards = [...list.querySelectorAll(":scope > .card")];
  list.querySelector(":scope > .cards-more")?.remove();
  for (const item of cards) item.hidden = false;
  let level = 0;
  list.classList.remove(...DENSITY);
  while (level < DENSITY.length && (level < least || overflows(list))) {
    list.classList.remove(...DENSITY);
    list.classList.add(DENSITY[level]);
    level += 1;
  }
  if (!overflows(list) || cards.length < 2) return level; // one card: nothing to hide for
  // Which cards stay, most wanted first: the oldest, the newest, then two old for each new.
  const wanted = [];
  for (let old = 0, young = cards.length - 1; old <= young; ) {
    wanted.push(old++);
    if (old <= young) wanted.push(young--);
    if (old <= young) wanted.push(old++);
  }
  const marker = el("li", "cards-more");
  const keep = (count) => {
    const kept = new Set(wanted.slice(0, count));
    let firstHidden = null;
    cards.forEach((item, index) => {
      item.hidden = !kept.has(index);
      if (item.hidden && !firstHidden) firstHidden = item;
    });
    marker.textContent = fill(words.labelMore, { n: cards.length - kept.size });
    list.insertBefore(marker, firstHidden);
  };
  // The most cards that fit beside the marker (at least the oldest one).
  let low = 1;
  let high = cards.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    keep(middle);
    if (overflows(list)) high = middle - 1;
    else low = middle;
  }
  keep(low);
  return HIDING;
}

function lanesPerPage() {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return Math.max(1, Math.floor(lanesBox.clientWidth / (LANE_MIN_REM * rem)));
}

function renderSummary(lanes) {
  const total = { open: 0, postponed: 0, resolved: 0 };
  for (const lane of lanes) {
    total.open += lane.open.length;
    total.postponed += lane.postponed.length;
    total.resolved += lane.resolved.length;
  }
  summaryBox.replaceChildren(
    el("span", "count count-open", fill(words.labelOpen, { n: total.open })),
    el("span", "count count-postponed", fill(words.labelPostponed, { n: total.postponed })),
    el("span", "count count-resolved", fill(words.labelResolved, { n: total.resolved })),
  );
}

function renderOnline() {
  const label = el("span", "online-label", words.labelOnline);
  if (!model.online.length) {
    onlineBox.replaceChildren(label, el("span", "online-none", words.labelNobodyOnline));
    return;
  }
  const names = model.online.map((person) => el("span", "online-name", person.name));
  onlineBox.replaceChildren(label, ...names);
}

function render() {
  renderQueued = false;
  const lanes = buildLanes();
  const onlineIds = new Set(model.online.map((person) => person.id));
  const perPage = lanesPerPage();
  const pages = Math.max(1, Math.ceil(lanes.length / perPage));
  if (page >= pages) page = 0;
  const shown = lanes.slice(page * perPage, (page + 1) * perPage);
  if (shown.length) {
    lanesBox.replaceChildren(...shown.map((lane) => laneElement(lane, onlineIds)));
  } else {
    lanesBox.replaceChildren(el("p", "wall-empty", words.labelNobodyOnShift));
  }
  // While paging, every page keeps the same lane width, so the board does not jump.
  lanesBox.style.setProperty("--lanes", String(pages > 1 ? perPage : Math.max(1, shown.length)));
  pageBox.hidden = pages < 2;
  pageBox.textContent = fill(words.labelPage, { page: page + 1, pages });
  renderSummary(lanes);
  renderOnline();
  tickAges();
  fitCards(lanesBox);
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

// --- time ----------------------------------------------------------------------------------

function tickAges() {
  const now = serverNow();
  for (const item of lanesBox.querySelectorAll(".card[data-since]")) {
    const age = now - Date.parse(item.dataset.since);
    item.querySelector(".card-age").textContent = formatDuration(age / 1000);
    const parked = item.classList.contains("card-compact"); // postponed on purpose: no alarm
    item.classList.toggle("is-alert", !parked && age >= ALERT_MS);
    item.classList.toggle("is-warn", !parked && age >= WARN_MS && age < ALERT_MS);
  }
}

const zone = document.documentElement.dataset.timezone || undefined;
const lang = document.documentElement.lang || undefined;
const clockTime = new Intl.DateTimeFormat(lang, {
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
  timeZone: zone,
});
const clockDate = new Intl.DateTimeFormat(lang, {
  weekday: "long",
  day: "numeric",
  month: "long",
  timeZone: zone,
});

function tickClock() {
  const now = new Date(serverNow());
  document.getElementById("wall-time").textContent = clockTime.format(now);
  document.getElementById("wall-date").textContent = clockDate.format(now);
}

// --- data ----------------------------------------------------------------------------------

// Fetch a fresh snapshot; live.js retries with backoff until one arrives.
async function reload() {
  const response = await fetch(words.dataUrl, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  if (response.status === 401 || response.status === 403) {
    leave(); // signed out or kiosk link revoked: the server's page says which
    return NaN;
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const snapshot = await response.json();
  load(snapshot);
  return snapshot.seq;
}

function leave() {
  window.location.replace(window.location.pathname + window.location.search);
}

// --- start ---------------------------------------------------------------------------------

const snapshot = JSON.parse(document.getElementById("wall-snapshot").textContent);
let live = null;
load(snapshot);
// Every task kind alike (a kind the server adds is never dropped); directory entries as they
// change name or color.
const on = Object.fromEntries(taskKinds().map((kind) => [kind, onTask]));
for (const kind of directoryKinds("chat")) on[kind] = onChat;
for (const kind of directoryKinds("status")) on[kind] = onStatus;
live = startLive({
  view: "wall",
  seq: snapshot.seq,
  on,
  onPresence: (online) => {
    model.online = online;
    scheduleRender();
  },
  // Cut off, the board cannot know who is online: the list and the dots go grey.
  onConnection: (connected) => body.classList.toggle("is-offline", !connected),
  reload,
});
// A revoked kiosk link: the server says so on the socket, or refuses the reconnect.
live.socket.on("kiosk.revoked", leave);
live.socket.on("connect_error", (error) => {
  if (error && error.message === "kiosk_revoked") leave();
});

setInterval(() => {
  const pages = Math.ceil(buildLanes().length / lanesPerPage());
  if (pages > 1) {
    page = (page + 1) % pages;
    scheduleRender();
  }
}, PAGE_MS);
setInterval(tickAges, 15_000);
setInterval(tickClock, 1000);
tickClock();
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(scheduleRender, 200);
});

// Full screen on request (browsers allow it only after a click); the cursor hides when idle.
const fullscreen = document.getElementById("wall-fullscreen");
fullscreen.addEventListener("click", () => document.documentElement.requestFullscreen?.());
document.addEventListener("fullscreenchange", () => {
  fullscreen.hidden = Boolean(document.fullscreenElement);
});
let idleTimer = null;
function awake() {
  body.classList.remove("idle");
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => body.classList.add("idle"), 5000);
}
document.addEventListener("mousemove", awake);
awake();
