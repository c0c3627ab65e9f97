// Durations and times, worded as the server words them (wesup/timeutil.py format_duration).

import { DURATION_UNITS, formatDuration as worded } from "./rules.js";

// The page's words for the units (<html data-unit-day ...>), in the reader's language.
const units = () => {
  const el = document.documentElement;
  return {
    days: el.dataset.unitDay || DURATION_UNITS.days,
    hours: el.dataset.unitHour || DURATION_UNITS.hours,
    minutes: el.dataset.unitMinute || DURATION_UNITS.minutes,
  };
};

export const formatDuration = (seconds) => worded(seconds, units());

export function secondsBetween(fromIso, toIso) {
  const end = toIso ? new Date(toIso) : new Date();
  return Math.floor((end.getTime() - new Date(fromIso).getTime()) / 1000);
}

// Every element with data-since (ISO) and optional data-until shows a ticking duration.
export function tickTimers(root = document) {
  for (const el of root.querySelectorAll("[data-since]")) {
    el.textContent = formatDuration(secondsBetween(el.dataset.since, el.dataset.until || null));
  }
}

export function startTimers(root = document) {
  tickTimers(root);
  return setInterval(() => tickTimers(root), 15_000);
}
