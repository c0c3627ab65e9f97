// The Copy button beside a secret shown once (a kiosk link, an API token): copy it now.
// Its words come from the button's data-* attributes; text goes in with textContent only.

const button = document.querySelector("[data-copy]");
const status = document.querySelector("[data-copy-status]");

if (button) {
  const box = document.getElementById(button.dataset.copy);
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      // The Clipboard API needs HTTPS (or localhost); plain HTTP gets the text selected.
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(box.value);
      button.textContent = button.dataset.copiedLabel;
      status.textContent = "";
      setTimeout(() => {
        button.textContent = label;
      }, 2500);
    } catch {
      box.focus();
      box.select();
      status.textContent = button.dataset.selectLabel;
    }
  });
}
