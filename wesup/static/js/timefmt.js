// Durations and times, worded as the server words them (wesup/timeutil.py format_duration).

const units = () => {
  const el = document.documentElement;
  return {
    d: el.dataset.unitDay || "d",
    h: el.dataset.unitHour || "h",
    min: el.dataset.unitMinute || "min",
  };
};

export function formatDuration(seconds) {
  const u = units();
  const totalMinutes = Math.max(0, Math.floor(seconds / 60));
  const totalHours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  const days = Math.floor(totalHours / 24);
  const hours = totalHours % 24;
  if (days) return `${days} ${u.d} ${hours} ${u.h}`;
  if (hours) return `${hours} ${u.h} ${minutes} ${u.min}`;
  return `${minutes} ${u.min}`;
}

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
