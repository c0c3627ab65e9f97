// Small DOM helpers shared by every page: text goes in through textContent, never as markup.

// el("td", {class: "c-title", dataset: {taskId: 3}, onclick: fn}, "text", childNode); arrays
// of children, nested as deep as they come, are laid out flat
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") {
      for (const [name, css] of Object.entries(value)) node.style.setProperty(name, css);
    } else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Data the template rendered with |tojson into <script type="application/json" id=...>.
export function readJSON(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// A label the template rendered into a data attribute (the wall's, the incident picker's):
// {name} placeholders filled from values, a missing one left empty.
export const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));

let words = null;

// A translated word from the blob in base.html; {name} placeholders are filled from params.
export function t(key, params = {}) {
  if (words === null) words = readJSON("wesup-words") || {};
  const text = words[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

// A short message in the corner; errors stay longer. `actions` ([{label, onclick}]) become
// buttons in it ("Open · Undo"); `ms` how long it stays. Returns the toast's element.
export function toast(message, kind = "info", { actions = [], ms = null } = {}) {
  let region = document.querySelector(".toasts");
  if (!region) {
    region = el("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const buttons = actions.map(({ label, onclick }, index) => [
    index ? el("span", { class: "toast-sep", "aria-hidden": "true" }, "·") : " — ",
    el("button", { type: "button", class: "link toast-action", onclick }, label),
  ]);
  const item = el("div", { class: `toast ${kind}` }, message, buttons);
  region.append(item);
  setTimeout(() => item.remove(), ms ?? (kind === "error" ? 8000 : 3500));
  return item;
}

// The message of an API answer that failed ({ok: false, status, data}).
export function errorMessage(result) {
  if (result.status === 0) return t("offline");
  return result.data?.error?.message || t("failed");
}

// Show per-field messages next to the inputs of a form: elements [data-error-for=name].
export function showFieldErrors(form, fields = {}) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    const message = fields[slot.dataset.errorFor] || "";
    slot.textContent = message;
    slot.hidden = !message;
  }
}

// True while the person is typing somewhere: single-key shortcuts must stay quiet then.
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
}
