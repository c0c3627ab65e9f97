// The one live connection every live page uses: connect, catch up by seq, apply, freshness.
//
//   import { startLive } from "./live.js";
//   const live = startLive({
//     view: "board",                 // "mine" | "board" | "wall": which rooms to join
//     seq: Number(document.body.dataset.seq),   // seq of the server-rendered snapshot
//     on: { "task.created": (msg) => ..., "chat.updated": (msg) => ... },  // by event kind
//     onEvent: (msg) => ...,         // optional: every applied event, after `on`
//     onPresence: (online) => ...,   // optional: [{id, name}] of people with WeSup open
//     onConnection: (connected) => ..., // optional: the socket came up (true) or was lost
//                                    // (false), once per change: e.g. grey out who is online
//     onStale: (since) => ...,       // optional: cut off for staleAfterMs, with the Date the
//                                    // connection was lost; null once it is back and caught up
//     staleAfterMs: 20_000,          // optional: how long cut off counts as stale
//     reload: async () => seq,       // fetch a fresh snapshot, re-render, return its seq
//   });
//
// Socket.IO delivers at most once. The page keeps the seq of the last event it applied and
// sends it on every (re)connect; the server replays what came after, or says "reload" when the
// gap is too old or too large. Applying an event twice is harmless: seen seqs are skipped, and
// tasks carry a version so an older snapshot never overwrites a newer one (acceptTask).

/* global io */

import { clock } from "./teamtime.js";

export const STALE_AFTER_MS = 20_000; // cut off this long: the page says loudly it may be wrong
const SEEN_LIMIT = 5000;
const RELOAD_RETRY_MAX_MS = 30_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function startLive({
  view,
  seq = 0,
  on = {},
  onEvent,
  onPresence,
  onConnection,
  onStale,
  staleAfterMs = STALE_AFTER_MS,
  reload,
}) {
  const state = {
    seq: Number.isFinite(seq) ? seq : 0,
    floor: Number.isFinite(seq) ? seq : 0, // everything up to here is in the snapshot
    seen: new Set(),
    dataAt: new Date(),
    connected: false,
    lostAt: null,
    reloading: null,
    caughtUp: false, // a replay (or reload) came since the connection was last lost
    told: null, // the connection state onConnection last heard
    stale: null, // the lostAt onStale last heard (null: fresh)
  };
  const indicator = document.querySelector("[data-freshness]");

  const socket = io({
    auth: (send) => send({ view, since: state.seq }),
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
  });

  function apply(message) {
    if (message.seq <= state.floor || state.seen.has(message.seq)) return false;
    state.seen.add(message.seq);
    if (state.seen.size > SEEN_LIMIT) {
      state.seen = new Set([...state.seen].slice(-SEEN_LIMIT / 2));
    }
    const handler = on[message.kind];
    if (handler) handler(message);
    if (onEvent) onEvent(message);
    if (message.seq > state.seq) state.seq = message.seq;
    state.dataAt = new Date();
    return true;
  }

  // Fetch a fresh snapshot until one arrives: a page (or a TV) has nobody to press F5.
  // `reload` returns the snapshot's seq; anything else, or a throw, is a failed attempt.
  async function reloadSnapshot(reason) {
    if (!reload) return;
    if (!state.reloading) {
      state.reloading = (async () => {
        render();
        for (let attempt = 0; ; attempt += 1) {
          let fresh;
          try {
            fresh = await reload(reason);
          } catch {
            fresh = undefined;
          }
          if (Number.isFinite(fresh)) {
            state.seq = fresh;
            state.floor = fresh;
            state.seen.clear();
            state.dataAt = new Date();
            break;
          }
          await sleep(Math.min(RELOAD_RETRY_MAX_MS, 1000 * 2 ** attempt));
        }
        state.reloading = null;
        render();
      })();
    }
    return state.reloading;
  }

  function tell(connected) {
    if (state.told === connected) return;
    state.told = connected;
    if (onConnection) onConnection(connected);
  }

  socket.on("connect", () => {
    state.connected = true;
    render();
    tell(true);
  });
  socket.on("disconnect", (reason) => {
    state.connected = false;
    state.caughtUp = false; // the server's replay (or reload) on the next connect clears it
    state.lostAt ??= new Date(); // a reconnect that drops before catching up keeps the first
    render();
    tell(false);
    // A server-side disconnect does not reconnect by itself; a restart looks like one.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });
  socket.on("connect_error", () => {
    if (state.connected) return;
    if (!state.lostAt) state.lostAt = new Date();
    render();
    tell(false);
    // Refused by the server (signed out, kiosk link revoked): keep trying slowly, so that
    // a restarted server or a fresh sign-in in another tab brings the page back.
    if (!socket.active) setTimeout(() => socket.connect(), 5000);
  });
  socket.on("event", (message) => {
    apply(message);
    render();
  });
  socket.on("replay", ({ events, seq: upTo }) => {
    for (const message of events) apply(message);
    if (upTo > state.seq) state.seq = upTo;
    state.dataAt = new Date();
    state.caughtUp = true;
    render();
  });
  socket.on("reload", ({ reason }) => {
    state.caughtUp = true; // the snapshot it asks for is the catch-up (state.reloading)
    reloadSnapshot(reason);
  });
  // The person was deactivated: the page reloads into the sign-in form.
  socket.on("session.ended", () => window.location.reload());
  socket.on("presence", ({ online }) => onPresence && onPresence(online));

  // Fresh again once connected and caught up; stale after staleAfterMs cut off.
  function judge() {
    if (state.connected && state.caughtUp && !state.reloading) state.lostAt = null;
    const lostAt = state.lostAt;
    const stale = lostAt && Date.now() - lostAt.getTime() >= staleAfterMs ? lostAt : null;
    if (stale === state.stale) return stale;
    state.stale = stale;
    if (onStale) onStale(stale);
    return stale;
  }

  function render() {
    const stale = judge();
    if (!indicator) return;
    indicator.hidden = false;
    const asOf = clock(state.dataAt);
    if (state.connected && !state.reloading) {
      indicator.textContent = indicator.dataset.liveLabel || "Live";
      indicator.className = "freshness live";
      indicator.title = "";
      return;
    }
    const label = indicator.dataset.reconnectingLabel || "Reconnecting… data as of";
    indicator.textContent = `${label} ${asOf}`;
    indicator.className = stale ? "freshness offline stale" : "freshness offline";
  }
  setInterval(render, 1000);
  render();

  return {
    socket,
    get seq() {
      return state.seq;
    },
    get connected() {
      return state.connected;
    },
    get stale() {
      return state.stale;
    },
    reload: reloadSnapshot,
  };
}

// Keep the newest version of each task: an event replayed late never rolls a row back.
export function acceptTask(known, task) {
  const current = known.get(task.id);
  if (current && current.version > task.version) return false;
  known.set(task.id, task);
  return true;
}
