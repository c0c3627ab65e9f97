// What a task page knows: the newest version of each task, the statuses, chats, lines and
// people its pickers offer, and the live handlers that keep them current. My tasks and All
// tasks share it; each page only decides where a task goes (onTask) and what belongs on it.

import { api } from "./api.js";
import { directoryKinds, taskKinds } from "./enums.js";
import { acceptTask } from "./live.js";

// Actions after which the entry is (again) one to pick.
const PICKABLE = new Set(["created", "updated", "restored"]);

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export const byPosition = (a, b) => a.position - b.position || a.id - b.id;
export const byName = (a, b) => a.name.localeCompare(b.name) || a.id - b.id;

export class TaskStore {
  constructor({ statuses = [], chats = [], groups = [], people = [], me = null } = {}) {
    this.known = new Map();
    this.statuses = statuses.filter((status) => !status.archived).sort(byPosition);
    this.chats = chats.filter((chat) => !chat.archived).sort(byName);
    this.groups = groups.filter((group) => !group.archived).sort(byPosition);
    this.people = [...people].sort(byName); // who a task can go to
    this.me = me;
    this.listeners = { task: [], message: [], directory: [] };
  }

  onTask(fn) {
    this.listeners.task.push(fn);
  }

  onMessage(fn) {
    this.listeners.message.push(fn);
  }

  onDirectory(fn) {
    this.listeners.directory.push(fn);
  }

  load(tasks) {
    this.known = new Map(tasks.map((task) => [task.id, task]));
  }

  get(id) {
    return this.known.get(Number(id));
  }

  tasks() {
    return [...this.known.values()];
  }

  // Keep a task unless a newer version is already here; tell the page where it now goes.
  accept(task) {
    if (!task) return false;
    const current = this.known.get(task.id);
    // The live echo of a change this page already applied from the API answer: nothing new.
    if (current && current.version === task.version && same(current, task)) return false;
    if (!acceptTask(this.known, task)) return false;
    for (const fn of this.listeners.task) fn(task);
    return true;
  }

  // Live handlers for startLive({on}); `extra` adds page-specific ones, called after.
  handlers(extra = {}) {
    const on = {};
    for (const kind of taskKinds()) {
      on[kind] = (message) => {
        this.accept(message.task);
        for (const fn of this.listeners.message) fn(message);
        extra[kind]?.(message);
      };
    }
    for (const [entry, apply] of [
      ["status", (action, message) => this.applyStatus(action, message.status)],
      ["chat", (action, message) => this.applyChat(action, message.chat)],
      ["group", (action, message) => this.applyGroup(action, message.group)],
    ]) {
      for (const kind of directoryKinds(entry)) {
        const action = kind.slice(entry.length + 1);
        on[kind] = (message) => {
          apply(action, message);
          extra[kind]?.(message);
        };
      }
    }
    return on;
  }

  // A renamed or recolored status recolors every task that has it.
  applyStatus(action, status) {
    this.statuses = this.statuses.filter((item) => item.id !== status.id);
    if (PICKABLE.has(action) && !status.archived) {
      this.statuses.push(status);
      this.statuses.sort(byPosition);
    }
    if (action === "updated") {
      const { id, name, color, category } = status;
      this.rewrite((task) => task.status.id === id, (task) => ({
        ...task,
        status: { id, name, color, category },
      }));
    }
    for (const fn of this.listeners.directory) fn();
  }

  applyChat(action, chat) {
    this.chats = this.chats.filter((item) => item.id !== chat.id);
    if (PICKABLE.has(action) && !chat.archived) {
      this.chats.push(chat);
      this.chats.sort(byName);
    }
    if (action === "updated") {
      this.rewrite((task) => task.chat?.id === chat.id, (task) => ({
        ...task,
        chat: { id: chat.id, name: chat.name },
      }));
    }
    for (const fn of this.listeners.directory) fn();
  }

  // A line renamed or recolored relabels its tasks; joining or leaving it changes which
  // queues are mine (me.group_ids), as the server's rooms do.
  applyGroup(action, group) {
    this.groups = this.groups.filter((item) => item.id !== group.id);
    if (PICKABLE.has(action) && !group.archived) {
      this.groups.push(group);
      this.groups.sort(byPosition);
    }
    if (this.me) {
      const mine = new Set(this.me.group_ids || []);
      mine.delete(group.id);
      if (action !== "deleted" && !group.archived && group.member_ids?.includes(this.me.id)) {
        mine.add(group.id);
      }
      this.me.group_ids = [...mine];
    }
    if (action === "updated") {
      const { id, name, color } = group;
      this.rewrite((task) => task.group?.id === id, (task) => ({
        ...task,
        group: { id, name, color },
      }));
    }
    for (const fn of this.listeners.directory) fn();
  }

  // After a reload the directory events of the gap are gone too: fetch the lists again.
  async refreshDirectories() {
    const [statuses, chats, groups] = await Promise.all([
      api("GET", "/api/statuses"),
      api("GET", "/api/chats"),
      api("GET", "/api/groups"),
    ]);
    if (statuses.ok) this.statuses = statuses.data.statuses.sort(byPosition);
    if (chats.ok) this.chats = chats.data.chats.sort(byName);
    if (groups.ok) {
      this.groups = groups.data.groups.sort(byPosition);
      if (this.me) {
        const mine = this.groups.filter((group) => group.member_ids.includes(this.me.id));
        this.me.group_ids = mine.map((group) => group.id);
      }
    }
    for (const fn of this.listeners.directory) fn();
  }

  // Change tasks in place without a new version (a directory entry changed, not the task).
  rewrite(match, change) {
    for (const task of this.tasks()) {
      if (!match(task)) continue;
      const next = change(task);
      this.known.set(task.id, next);
      for (const fn of this.listeners.task) fn(next);
    }
  }
}

// Writes through the JSON API. Whatever the server answers with (the saved task, or the
// current one on a 409) goes into the store, so the row always shows what is really there.
export function taskActions(store) {
  async function send(method, url, body, task) {
    const result = await api(method, url, body);
    if (result.ok && result.data?.task) store.accept(result.data.task);
    else if (result.status === 409 && result.data?.current) store.accept(result.data.current);
    else if (result.status === 404 && task) store.accept({ ...task, deleted: true });
    return result;
  }

  return {
    create: (data) => send("POST", "/api/tasks", data),
    update: (task, changes) =>
      send("PATCH", `/api/tasks/${task.id}`, { ...changes, version: task.version }, task),
    // {agent_id} or {group_id}, and a note: to a person, or to a line's queue
    transfer: (task, body) =>
      send("POST", `/api/tasks/${task.id}/transfer`, { ...body, version: task.version }, task),
    // a 409 brings the task as it is now (and who took it): the row moves on at once
    take: (task) => send("POST", `/api/tasks/${task.id}/take`, undefined, task),
    setStatus: (task, statusId) =>
      send("PATCH", `/api/tasks/${task.id}`, { status_id: statusId, version: task.version }, task),
    remove: (task) => send("DELETE", `/api/tasks/${task.id}?version=${task.version}`, undefined, task),
    restore: (task) => send("POST", `/api/tasks/${task.id}/restore`, undefined, task),
    comment: (task, body) => send("POST", `/api/tasks/${task.id}/comments`, { body }, task),
    load: (taskId) => send("GET", `/api/tasks/${taskId}`),
  };
}
