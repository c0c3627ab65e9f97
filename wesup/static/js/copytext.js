// Copy buttons: <button data-copy="#selector" data-copied="…" data-copy-failed="…"> puts the
// text of the element it names on the clipboard as plain text (line breaks kept), ready to
// paste into a chat. Without the Clipboard API (plain http on another host) it selects the
// text and asks the browser to copy it; failing that, it says how to copy by hand.

import { toast } from "./dom.js";

async function copy(source) {
  const text = "value" in source ? source.value : source.textContent;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (no permission, page not focused): try the selection below
    }
  }
  if (typeof source.select === "function") {
    source.focus();
    source.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
  return false;
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    const copied = await copy(source);
    button.dataset.copiedText = copied ? "yes" : "no";
    toast(copied ? button.dataset.copied : button.dataset.copyFailed, copied ? "info" : "error");
  });
}
