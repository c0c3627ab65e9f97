// What every page does apart from its own module, without inline script or style (the
// Content-Security-Policy allows neither): menus that submit their form when changed, and
// server-rendered status chips painted in their status's color.

for (const control of document.querySelectorAll("[data-submit-on-change]")) {
  control.addEventListener("change", () => control.form.requestSubmit());
}

// The CSSOM is not an inline style attribute: the policy lets scripts set it.
for (const chip of document.querySelectorAll(".chip[data-color]")) {
  chip.style.setProperty("--c", chip.dataset.color);
}
