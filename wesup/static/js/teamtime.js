// Times in the team's zone (<html data-timezone>): the same wording as the server's team_time.

let formatter = null;

function parts(value) {
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone: document.documentElement.dataset.timezone || undefined,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  }
  const out = {};
  for (const part of formatter.formatToParts(value instanceof Date ? value : new Date(value))) {
    out[part.type] = part.value;
  }
  return out;
}

// "2026-11-26": the team day a moment falls on (periods and "closed today" are team days).
export function teamDay(value = new Date()) {
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day}`;
}

// "26.11 14:03", as the server renders it ("%d.%m %H:%M").
export function stamp(value) {
  if (!value) return "";
  const p = parts(value);
  return `${p.day}.${p.month} ${p.hour}:${p.minute}`;
}

// "2026-11-26T14:03": the value of an <input type="datetime-local"> in the team's zone.
export function inputValue(value = new Date()) {
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
