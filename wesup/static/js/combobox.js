// The type-ahead chat picker: type part of a name, arrows to move, Enter or Tab to pick.
// It submits the chat's id in a hidden field (chat_id); the text box only searches.
// Without JavaScript the page keeps the plain <select name="chat_id"> this replaces.

import { el, t } from "./dom.js";

let counter = 0;

export function chatPicker({ name = "chat_id", id, chats = [], value = null, keep = null }) {
  const listId = `chat-list-${++counter}`;
  const hidden = el("input", { type: "hidden", name });
  const input = el("input", {
    type: "text",
    id,
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    placeholder: t("chat_placeholder"),
  });
  const list = el("ul", { id: listId, role: "listbox", class: "combo-list", hidden: true });
  const element = el("div", { class: "combo" }, input, hidden, list);
  let options = [];
  let matches = [];
  let active = -1;
  let chosen = null;

  function setChats(next, kept = null) {
    options = next.filter((chat) => !chat.archived);
    if (kept && !options.some((chat) => chat.id === kept.id)) options = [kept, ...options];
    if (chosen) chosen = options.find((chat) => chat.id === chosen.id) || chosen;
    if (chosen && document.activeElement !== input) input.value = chosen.name;
  }

  function choose(chat) {
    chosen = chat || null;
    hidden.value = chosen ? String(chosen.id) : "";
    input.value = chosen ? chosen.name : "";
    input.setCustomValidity("");
    close();
  }

  function filter() {
    const query = input.value.trim().toLowerCase();
    const starts = (chat) => chat.name.toLowerCase().startsWith(query);
    matches = options.filter((chat) => chat.name.toLowerCase().includes(query));
    matches.sort((a, b) => Number(!starts(a)) - Number(!starts(b))); // prefix matches first
    active = matches.length ? 0 : -1;
    renderList();
  }

  function renderList() {
    const items = matches.slice(0, 50).map((chat, index) =>
      el(
        "li",
        {
          id: `${listId}-${index}`,
          role: "option",
          class: index === active ? "active" : "",
          "aria-selected": index === active ? "true" : "false",
          onmousedown: (event) => {
            event.preventDefault(); // keep the focus in the box
            choose(chat);
          },
        },
        chat.name,
      ),
    );
    if (!items.length) items.push(el("li", { class: "empty" }, t("no_match")));
    list.replaceChildren(...items);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) input.setAttribute("aria-activedescendant", `${listId}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function move(step) {
    if (!matches.length) return;
    active = (active + step + Math.min(matches.length, 50)) % Math.min(matches.length, 50);
    renderList();
    list.children[active]?.scrollIntoView({ block: "nearest" });
  }

  // Typed text that names no chat must not be saved as "no chat" by accident.
  function checkTyped() {
    const text = input.value.trim();
    if (!text) {
      hidden.value = "";
      chosen = null;
      input.setCustomValidity("");
      return;
    }
    if (chosen && chosen.name === input.value) return;
    const exact = options.filter((chat) => chat.name.toLowerCase() === text.toLowerCase());
    if (exact.length === 1) {
      choose(exact[0]);
      return;
    }
    hidden.value = "";
    chosen = null;
    input.setCustomValidity(t("choose_chat"));
  }

  input.addEventListener("input", () => {
    chosen = null;
    filter();
    checkTyped();
  });
  input.addEventListener("click", () => (list.hidden ? filter() : close()));
  input.addEventListener("blur", () => {
    close();
    checkTyped();
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) move(1);
      else filter();
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      move(-1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); // pick; the next Enter saves the form
      choose(matches[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      event.stopPropagation(); // close the list, not the dialog around it
      close();
    } else if (event.key === "Tab" && open && active >= 0 && input.value.trim()) {
      choose(matches[active]);
    }
  });

  setChats(chats, keep);
  if (value !== null && value !== undefined) {
    choose(options.find((chat) => chat.id === Number(value)) || null);
  }

  return {
    element,
    input,
    get value() {
      return hidden.value ? Number(hidden.value) : null;
    },
    setValue(chatId) {
      choose(options.find((chat) => chat.id === chatId) || null);
    },
    setChats,
    reset() {
      choose(null);
    },
  };
}

// Replace the server-rendered <select name="chat_id"> with the picker, keeping its choice.
export function enhanceChatSelect(select, chats) {
  const picker = chatPicker({
    name: select.name,
    id: select.id,
    chats,
    value: select.value ? Number(select.value) : null,
  });
  select.replaceWith(picker.element);
  return picker;
}
