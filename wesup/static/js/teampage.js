// What both task pages do about teamwork: tell me when a task or a shift is handed to me
// (a toast, a browser notification, a beep) and show the handovers waiting for me. (The `a`
// key that opens "assign" on the focused row is in keys.js with the others.)

import { t, toast } from "./dom.js";
import { eventKind } from "./enums.js";
import { handoverBanner } from "./handovers.js";
import { handedToMe } from "./owners.js";

const MOVES = ["TASK_ASSIGNED", "TASK_TRANSFERRED", "TASK_HANDED_OVER"];

export function startTeamwork({ ctx, notifier, page }) {
  const { me, store } = ctx;
  const banner = handoverBanner({
    me,
    box: document.getElementById("handover-banner"),
    handovers: page.handovers || [],
    onArrived: (handover) => {
      const text = t("handover_for_you", { from: handover.from.name, n: handover.task_ids.length });
      toast(text);
      notifier.personal(text, handover.note || "", `wesup-handover-${handover.id}`);
    },
  });
  store.onDirectory(() => banner.render()); // my lines may have changed

  // A task handed to me (not a shift's worth: the banner says that once).
  function arrived(message) {
    if (!handedToMe(message, me) || message.kind === eventKind("TASK_HANDED_OVER")) return;
    const text = t("task_for_you", { name: message.actor?.name || "—" });
    toast(`${text}: ${message.task.title}`);
    notifier.personal(text, message.task.title, `wesup-task-${message.task.id}`);
  }

  return {
    // extra live handlers for store.handlers(), and the banner's own
    taskHandlers: Object.fromEntries(MOVES.map((name) => [eventKind(name), arrived])),
    handoverHandlers: banner.handlers,
    reload: () => banner.reload(),
  };
}
