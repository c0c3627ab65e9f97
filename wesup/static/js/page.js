// What every page does apart from its own module, without inline script or style (the
// Content-Security-Policy allows neither): menus that submit their form when changed, and
// server-rendered chips and line tags painted in their status's or line's color.

for (const control of document.querySelectorAll("[data-submit-on-change]")) {
  control.addEventListener("change", () => control.form.requestSubmit());
}

// The CSSOM is not an inline style attribute: the policy lets scripts set it. Status chips,
// line tags and dots carry their color as data-color.
for (const painted of document.querySelectorAll("[data-color]")) {
  painted.style.setProperty("--c", painted.dataset.color);
}
