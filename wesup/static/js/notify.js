// Alerts for people who keep WeSup open in a tab: a browser notification, an optional short
// beep, and the count of unseen ones in the tab title; for colleagues' new tasks, and for a
// task or a shift handed to me. Permission is asked only from the "Enable notifications"
// button, never on page load; both choices stay in localStorage.

import { t } from "./dom.js";
import { holderName } from "./owners.js";

const NOTIFY_KEY = "wesup.notify";
const SOUND_KEY = "wesup.sound";
const BATCH_MS = 600; // a catch-up after a reconnect makes one notification, not twenty

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage blocked: behave as if nothing was chosen
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // the choice lasts for this page only
  }
}

export function startNotifier({ me, controls = document.querySelector("[data-notify-controls]") }) {
  const baseTitle = document.title;
  const button = controls?.querySelector("[data-notify-button]");
  const soundToggle = controls?.querySelector("[data-sound-toggle]");
  const supported = "Notification" in window;
  let unseen = 0;
  let pending = [];
  let timer = null;
  let audio = null;

  const wanted = () =>
    supported && Notification.permission === "granted" && stored(NOTIFY_KEY) !== "off";
  const soundOn = () => stored(SOUND_KEY) === "on";
  const away = () => document.hidden || !document.hasFocus();

  function renderButton() {
    if (!button) return;
    button.hidden = false;
    button.disabled = false;
    let label = t("notify_enable");
    if (!supported || !window.isSecureContext) {
      label = t("notify_unsupported");
      button.disabled = true;
    } else if (Notification.permission === "denied") {
      label = t("notify_blocked");
      button.disabled = true;
    } else if (wanted()) {
      label = t("notify_on");
    }
    button.textContent = label;
    button.setAttribute("aria-pressed", wanted() ? "true" : "false");
  }

  // Browsers start audio only after a gesture: make the context on a click, reuse it later.
  function unlockAudio() {
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
    } catch {
      audio = null;
    }
  }

  function beep() {
    if (!audio) unlockAudio();
    if (!audio) return;
    const start = audio.currentTime;
    for (const [offset, frequency] of [
      [0, 880],
      [0.16, 1320],
    ]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.15);
    }
  }

  function renderTitle() {
    document.title = unseen ? `(${unseen}) ${baseTitle}` : baseTitle;
  }

  function markSeen() {
    if (!unseen) return;
    unseen = 0;
    renderTitle();
  }

  function show(title, body, tag) {
    try {
      const note = new Notification(title, { body, tag }); // plain text, not markup
      note.onclick = () => {
        window.focus();
        note.close();
      };
    } catch {
      // some browsers allow notifications from a service worker only
    }
  }

  function flush() {
    timer = null;
    const tasks = pending;
    pending = [];
    if (!tasks.length) return;
    if (wanted()) {
      if (tasks.length === 1) {
        const [task] = tasks;
        const chat = task.chat ? task.chat.name : t("no_chat");
        show(`${holderName(task)} · ${chat}`, task.title, `wesup-task-${task.id}`);
      } else {
        const titles = tasks.slice(0, 5).map((task) => `${holderName(task)}: ${task.title}`);
        show(t("new_tasks", { n: tasks.length }), titles.join("\n"), "wesup-new-tasks");
      }
    }
    if (soundOn()) beep();
  }

  // Live handler for task.created: somebody else's new task, while this tab is not looked at.
  function taskCreated(message) {
    const task = message.task;
    if (!task || (message.actor && message.actor.id === me.id) || !away()) return;
    unseen += 1;
    renderTitle();
    pending.push(task);
    if (!timer) timer = setTimeout(flush, BATCH_MS);
  }

  // Something addressed to me (a task handed to me, a shift handed over to me): notified
  // even while I look at the page, since it asks something of me.
  function personal(title, body, tag) {
    if (away()) {
      unseen += 1;
      renderTitle();
    }
    if (wanted()) show(title, body, tag);
    if (soundOn()) beep();
  }

  button?.addEventListener("click", async () => {
    unlockAudio();
    if (!supported) return;
    if (Notification.permission === "default") {
      const answer = await Notification.requestPermission();
      if (answer === "granted") store(NOTIFY_KEY, "on");
    } else if (Notification.permission === "granted") {
      store(NOTIFY_KEY, wanted() ? "off" : "on");
    }
    renderButton();
  });

  if (soundToggle) {
    soundToggle.closest("label").hidden = false;
    soundToggle.checked = soundOn();
    soundToggle.addEventListener("change", () => {
      store(SOUND_KEY, soundToggle.checked ? "on" : "off");
      if (soundToggle.checked) {
        unlockAudio();
        beep(); // let the person hear what it sounds like
      }
    });
  }
  if (soundOn()) document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) markSeen();
  });
  window.addEventListener("focus", markSeen);
  renderButton();

  return { taskCreated, personal };
}
