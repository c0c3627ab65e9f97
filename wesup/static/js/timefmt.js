// Durations and times, worded as the server words them (wesup/timeutil.py format_duration).

import { t } from "./dom.js";
import { DURATION_UNITS, ageLevel, formatDuration as worded } from "./rules.js";

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

// The wall's thresholds (WESUP_AGE_WARN_MINUTES / WESUP_AGE_ALERT_MINUTES, <html data-age-*>).
const thresholds = () => {
  const { ageWarn, ageAlert } = document.documentElement.dataset;
  return [Number(ageWarn || 30), Number(ageAlert || 120)];
};

// Every element with data-since (ISO) and optional data-until shows a ticking duration;
// data-activity says "no activity for …"; a row with data-age-since turns amber and red
// (rules.js ageLevel) as its task stays untouched, unless data-parked (postponed).
export function tickTimers(root = document) {
  for (const el of root.querySelectorAll("[data-since]")) {
    el.textContent = formatDuration(secondsBetween(el.dataset.since, el.dataset.until || null));
  }
  for (const el of root.querySelectorAll("[data-activity]")) {
    el.textContent = t("no_activity", { duration: formatDuration(secondsBetween(el.dataset.activity)) });
  }
  const [warn, alert] = thresholds();
  const now = Date.now();
  const rows = [...root.querySelectorAll("[data-age-since]")];
  if (root.matches?.("[data-age-since]")) rows.push(root); // a row just drawn
  for (const row of rows) {
    const level = ageLevel(row.dataset.ageSince, now, warn, alert, "parked" in row.dataset);
    row.classList.toggle("age-warn", level === "warn");
    row.classList.toggle("age-alert", level === "alert");
  }
}

export function startTimers(root = document) {
  tickTimers(root);
  return setInterval(() => tickTimers(root), 15_000);
}
