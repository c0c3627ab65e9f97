// The wall board: first each support line's queue as a lane, then one lane per person on
// shift, their open tasks as cards aging in color; above them the shift handovers nobody has
// accepted yet, turning red after WESUP_HANDOVER_ALERT_MINUTES; above everything, the open
// incidents (one outage, many chats), each with its chats and how many of its tasks are open.
//
// The page draws from a model (every task it knows, who is online) and rebuilds the lanes
// from it after each change, so a snapshot reload after a "reload" message renders exactly
// like the first load. Live events come through live.js. Text goes in with textContent only.
//
// Who is on shift and what each lane holds is rules.js wallLanes, the rule the server's
// snapshot follows too (wesup/rules.py): has open tasks, or resolved one this shift, or works
// tasks and has WeSup open now; a line's queue lane holds its unassigned tasks.

import { el as make, fill } from "./dom.js";
import { directoryKinds, eventKind, taskKinds } from "./enums.js";
import { acceptTask, startLive } from "./live.js";
import { ageLevel, wallLanes } from "./rules.js";
import { formatDuration } from "./timefmt.js";

const body = document.body;
const words = body.dataset;
const WARN_MINUTES = Number(words.warnMinutes || 30);
const ALERT_MINUTES = Number(words.alertMinutes || 120);
const PAGE_MS = Math.max(5, Number(words.pageSeconds || 15)) * 1000;
const HANDOVER_ALERT_MS = Number(words.handoverAlertMinutes || 15) * 60_000;
const OFFLINE_ALARM_MS = Number(words.offlineAlarmSeconds || 20) * 1000;
const COLOR = /^#[0-9a-f]{6}$/i;

const lanesBox = document.getElementById("wall-lanes");
const summaryBox = document.getElementById("wall-summary");
const onlineBox = document.getElementById("wall-online");
const pageBox = document.getElementById("wall-page");
const handoversBox = document.getElementById("wall-handovers");
const incidentsBox = document.getElementById("wall-incidents");
const offlineBox = document.getElementById("wall-offline");

const model = {
  seq: 0, // the snapshot's seq: older events are already in it
  tasks: new Map(), // id -> task (open, resolved this shift, or gone: the classifier decides)
  online: [], // [{id, name}]
  shiftAgentIds: new Set(),
  groups: new Map(), // the active lines, id -> {id, name, color, position}: their queue lanes
  handovers: new Map(), // pending handovers, id -> handover
  incidents: new Map(), // open incidents, id -> {id, title, created_at, chats, task_ids}
  shiftStart: "", // ISO: when this shift began (WESUP_SHIFTS): resolved-this-shift counts
  shiftEnd: 0,
  skew: 0, // server clock minus this screen's clock, ms: a TV's clock may be off
};
let page = 0;
let renderQueued = false;
let rolloverTimer = null;
let frozenAt = null; // cut off too long: the server time the connection was lost; ages stop there

const serverNow = () => Date.now() + model.skew;
const shownNow = () => frozenAt ?? serverNow();

const el = (tag, className, text) => make(tag, { class: className }, text);

// --- model ---------------------------------------------------------------------------------

function load(snapshot) {
  model.seq = snapshot.seq;
  model.tasks = new Map();
  for (const lane of [...snapshot.queues, ...snapshot.lanes]) {
    for (const task of [...lane.tasks, ...lane.resolved_this_shift]) {
      model.tasks.set(task.id, task);
    }
  }
  model.online = snapshot.online || [];
  model.shiftAgentIds = new Set(snapshot.shift_agent_ids || []);
  model.groups = new Map((snapshot.groups || []).map((group) => [group.id, group]));
  model.handovers = new Map((snapshot.handovers || []).map((item) => [item.id, item]));
  model.incidents = new Map((snapshot.incidents || []).map((item) => [item.id, item]));
  model.shiftStart = snapshot.shift_start;
  model.shiftEnd = Date.parse(snapshot.shift_end);
  model.skew = Date.parse(snapshot.now) - Date.now();
  clearTimeout(rolloverTimer);
  // A new shift: resolved-this-shift counts start over, so take a fresh snapshot.
  const untilNewShift = Math.max(5000, model.shiftEnd - serverNow() + 2000);
  rolloverTimer = setTimeout(() => live && live.reload("new shift"), untilNewShift);
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
const relabel = onDirectory("group", (group, entry) => ({
  ...group,
  name: entry.name,
  color: entry.color,
}));

// A line added, renamed, reordered, archived, restored or removed: its queue lane follows.
function onGroup(message) {
  const group = message.group;
  if (message.seq <= model.seq || !group) return;
  model.groups.delete(group.id);
  if (!group.archived && message.kind !== eventKind("GROUP_DELETED")) {
    model.groups.set(group.id, group);
  }
  relabel(message);
  scheduleRender();
}

function onHandover(message) {
  const handover = message.handover;
  if (message.seq <= model.seq || !handover) return;
  if (handover.accepted_at) model.handovers.delete(handover.id);
  else model.handovers.set(handover.id, handover);
  scheduleRender();
}
// An incident started, changed or resolved: open ones stay on top, resolved ones leave.
function onIncident(message) {
  const incident = message.incident;
  if (message.seq <= model.seq || !incident) return;
  if (incident.status === "open") {
    const { id, title, status, created_at: createdAt, chats, task_ids: taskIds } = incident;
    model.incidents.set(id, { id, title, status, created_at: createdAt, chats, task_ids: taskIds });
  } else {
    model.incidents.delete(incident.id);
  }
  scheduleRender();
}

const onStatus = onDirectory("status", (status, entry) => ({
  ...status,
  name: entry.name,
  color: entry.color,
  category: entry.category,
}));

const buildLanes = () =>
  wallLanes(
    model.tasks.values(),
    model.online,
    model.shiftAgentIds,
    model.shiftStart,
    [...model.groups.values()],
  );

// --- drawing -------------------------------------------------------------------------------

function card(task, compact) {
  const item = el("li", compact ? "card card-compact" : "card");
  item.dataset.taskId = String(task.id);
  item.dataset.since = task.received_at;
  const urgent = task.urgent && !task.resolved_at; // shouts first, in its own color
  if (urgent) item.classList.add("is-urgent");
  if (COLOR.test(task.status.color)) item.style.setProperty("--status-color", task.status.color);
  const meta = el("div", "card-meta");
  if (urgent) meta.append(el("span", "card-urgent", words.labelUrgent));
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
  const section = el("section", lane.group ? "lane queue-lane" : "lane");
  const head = el("header", "lane-head");
  const name = el("h2", "lane-name");
  if (lane.group) {
    section.dataset.groupId = String(lane.group.id);
    if (COLOR.test(lane.group.color)) section.style.setProperty("--line-color", lane.group.color);
    name.append(
      el("span", "queue-mark", words.labelQueue),
      el("span", "lane-name-text", lane.group.name),
    );
  } else {
    section.dataset.agentId = String(lane.agent.id);
    const online = onlineIds.has(lane.agent.id);
    const dot = el("span", online ? "presence-dot online" : "presence-dot");
    dot.title = online ? words.labelOnline : "";
    name.append(dot, el("span", "lane-name-text", lane.agent.name));
  }
  const counts = el("div", "lane-counts");
  counts.append(el("span", "count count-open", fill(words.labelOpen, { n: lane.open.length })));
  if (!lane.group) {
    // a queue resolves nothing: its tasks are resolved by whoever took them
    counts.append(
      el("span", "count count-resolved", fill(words.labelResolved, { n: lane.resolved.length })),
    );
  }
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

// As many lanes as are at least --lane-min-rem wide (wall.css) with the gaps between them.
function lanesPerPage() {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const box = getComputedStyle(lanesBox);
  const laneMin = (parseFloat(box.getPropertyValue("--lane-min-rem")) || 10) * rem;
  const gap = parseFloat(box.columnGap) || 0;
  const width =
    lanesBox.clientWidth - (parseFloat(box.paddingLeft) || 0) - (parseFloat(box.paddingRight) || 0);
  return Math.max(1, Math.floor((width + gap) / (laneMin + gap)));
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

// Handovers nobody has accepted yet: who to whom, how many tasks, how long it waits.
function renderHandovers() {
  const pending = [...model.handovers.values()].sort(
    (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id,
  );
  handoversBox.hidden = pending.length === 0;
  handoversBox.replaceChildren(
    el("span", "handovers-label", words.labelHandovers),
    ...pending.map((handover) => {
      const to = handover.to.agent ? handover.to.agent.name : handover.to.group.name;
      const item = el("span", "wall-handover");
      item.dataset.handoverId = String(handover.id);
      item.dataset.since = handover.created_at;
      item.append(
        el("span", "handover-who", `${handover.from.name} → ${to}`),
        el("span", "handover-count", fill(words.labelHandoverTasks, { n: handover.task_ids.length })),
        el("span", "handover-age"),
      );
      return item;
    }),
  );
}

// Open incidents, newest first: the title, the chats waiting, how many tasks are still open
// (counted from the tasks this board knows, so a task resolved on its own counts at once).
function renderIncidents() {
  const open = [...model.incidents.values()].sort((a, b) => b.id - a.id);
  incidentsBox.hidden = open.length === 0;
  incidentsBox.replaceChildren(
    ...open.map((incident) => {
      const stillOpen = incident.task_ids.filter((id) => {
        const task = model.tasks.get(id);
        return task && !task.resolved_at && !task.deleted;
      }).length;
      const item = el("div", "wall-incident");
      item.dataset.incidentId = String(incident.id);
      item.dataset.since = incident.created_at;
      item.append(
        el("span", "incident-mark", words.labelIncident),
        el("span", "incident-title", incident.title),
        el("span", "incident-count", fill(words.labelIncidentTasks, { n: stillOpen })),
        el("span", "incident-chats", incident.chats.map((chat) => chat.name).join(", ")),
        el("span", "incident-age"),
      );
      return item;
    }),
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
  renderHandovers();
  renderIncidents();
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
  const now = shownNow();
  for (const item of lanesBox.querySelectorAll(".card[data-since]")) {
    const age = now - Date.parse(item.dataset.since);
    item.querySelector(".card-age").textContent = formatDuration(age / 1000);
    const parked = item.classList.contains("card-compact"); // postponed on purpose: no alarm
    const level = ageLevel(item.dataset.since, now, WARN_MINUTES, ALERT_MINUTES, parked);
    item.classList.toggle("is-alert", level === "alert");
    item.classList.toggle("is-warn", level === "warn");
  }
  for (const item of incidentsBox.querySelectorAll(".wall-incident[data-since]")) {
    item.querySelector(".incident-age").textContent = formatDuration(
      (now - Date.parse(item.dataset.since)) / 1000,
    );
  }
  for (const item of handoversBox.querySelectorAll(".wall-handover[data-since]")) {
    const age = now - Date.parse(item.dataset.since);
    item.querySelector(".handover-age").textContent = formatDuration(age / 1000);
    item.classList.toggle("is-alert", age >= HANDOVER_ALERT_MS);
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
  const now = new Date(shownNow());
  document.getElementById("wall-time").textContent = clockTime.format(now);
  document.getElementById("wall-date").textContent = clockDate.format(now);
}

// Cut off for OFFLINE_ALARM_MS (live.js onStale): a banner over the header says since when,
// the ages and the clock stop at that moment and the board dims, so a dead TV never looks
// alive. `since` is null again once the connection is back and the page has caught up.
function showStale(since) {
  frozenAt = since ? since.getTime() + model.skew : null;
  body.classList.toggle("is-stale", Boolean(since));
  offlineBox.hidden = !since;
  offlineBox.textContent = since ? fill(words.labelOffline, { time: clockTime.format(frozenAt) }) : "";
  tickAges();
  tickClock();
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
for (const kind of directoryKinds("group")) on[kind] = onGroup;
for (const kind of directoryKinds("handover")) on[kind] = onHandover;
for (const kind of directoryKinds("incident")) on[kind] = onIncident;
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
  onStale: showStale,
  staleAfterMs: OFFLINE_ALARM_MS,
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
setInterval(tickAges, 5_000);
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
