// The printable handover sheet: its Print button (CSP allows no inline handlers).

document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
