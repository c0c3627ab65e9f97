// Times in the team's zone (<html data-timezone>): the same wording as the server's team_time.

const toDate = (value) => (value instanceof Date ? value : new Date(value));

// One Intl formatter per shape, made on first use (the zone is read from the page then).
function teamFormatter(fields) {
  let formatter = null;
  return () => {
    formatter ??= new Intl.DateTimeFormat("en-GB", {
      timeZone: document.documentElement.dataset.timezone || undefined,
      hourCycle: "h23",
      ...fields,
    });
    return formatter;
  };
}

const dateTime = teamFormatter({
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});
const timeOfDay = teamFormatter({ hour: "2-digit", minute: "2-digit", second: "2-digit" });

function parts(value) {
  const out = {};
  for (const part of dateTime().formatToParts(toDate(value))) out[part.type] = part.value;
  out.year = out.year.padStart(4, "0"); // Intl writes year 5 as "5"; ISO dates need "0005"
  return out;
}

// "2026-11-26": the team day a moment falls on (periods are team days).
export function teamDay(value = new Date()) {
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day}`;
}

// "26.11 14:03", with the year when it is not the team's current one ("01.01.1999 10:00"):
// the same wording as the server's team_time.
export function stamp(value) {
  if (!value) return "";
  const p = parts(value);
  const year = p.year === parts(new Date()).year ? "" : `.${p.year}`;
  return `${p.day}.${p.month}${year} ${p.hour}:${p.minute}`;
}

// "2026-11-26T14:03": the value of an <input type="datetime-local"> in the team's zone.
export function inputValue(value = new Date()) {
  const p = parts(value);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// "14:03:15": a moment on the team's clock, with seconds (the freshness indicator).
export function clock(value = new Date()) {
  return timeOfDay().format(toDate(value));
}
