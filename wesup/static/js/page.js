// What every page does apart from its own module, without inline script or style (the
// Content-Security-Policy allows neither): menus that submit their form when changed, the
// account menu, and server-rendered chips and line tags painted in their status's or line's
// color.

for (const control of document.querySelectorAll("[data-submit-on-change]")) {
  control.addEventListener("change", () => control.form.requestSubmit());
}

// The CSSOM is not an inline style attribute: the policy lets scripts set it. Status chips,
// line tags and dots carry their color as data-color.
for (const painted of document.querySelectorAll("[data-color]")) {
  painted.style.setProperty("--c", painted.dataset.color);
}

// The account menu (a <details>) closes on a click elsewhere and on Escape.
const accountMenu = document.querySelector("[data-account-menu]");
if (accountMenu) {
  document.addEventListener("click", (event) => {
    if (accountMenu.open && !accountMenu.contains(event.target)) accountMenu.open = false;
  });
  accountMenu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !accountMenu.open) return;
    accountMenu.open = false;
    accountMenu.querySelector("summary").focus();
  });
}
