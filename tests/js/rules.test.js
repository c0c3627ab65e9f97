// static/js/rules.js against the case tables the Python rules pass (tests/rules/*.json).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  ageLevel,
  boardOrder,
  canComment,
  canEdit,
  canTake,
  countSummary,
  formatDuration,
  inPeriod,
  onShift,
  parseSort,
  sortBy,
  summaryCounter,
  wallLanes,
} from "../../wesup/static/js/rules.js";
import { cases, table } from "./tables.js";

const ids = (tasks) => tasks.map((task) => task.id);

describe("inPeriod", () => {
  for (const [name, c] of cases("in_period")) {
    test(name, () => {
      assert.equal(inPeriod(c.received_at, c.resolved_at, c.start, c.end), c.in);
    });
  }
});

describe("summaryCounter", () => {
  for (const [name, c] of cases("summary")) {
    test(name, () => assert.equal(summaryCounter(c.resolved_at, c.category), c.counter));
  }
  test("countSummary adds up the table", () => {
    const { cases: rows, totals } = table("summary");
    const tasks = rows.map((c) => ({ resolved_at: c.resolved_at, status: { category: c.category } }));
    assert.deepEqual(countSummary(tasks), totals);
  });
});

describe("canEdit, canComment, canTake", () => {
  for (const [name, c] of cases("task_actions")) {
    test(name, () => {
      const me = { id: 1, ...c.who, group_ids: c.member_of_line ? [7] : [8] };
      const agent = c.unassigned ? null : { id: c.own ? 1 : 2 };
      const task = { agent, group: { id: 7 }, deleted: c.deleted };
      assert.equal(canEdit(me, task), c.may_edit);
      assert.equal(canComment(me, task), c.may_comment);
      assert.equal(canTake(me, task), c.may_take);
    });
  }
});

describe("onShift", () => {
  for (const [name, c] of cases("on_shift")) {
    test(name, () => {
      const facts = {
        holdsOpen: c.holds_open,
        resolvedToday: c.resolved_today,
        online: c.online,
        shiftAgent: c.shift_agent,
      };
      assert.equal(onShift(facts), c.on_shift);
    });
  }
});

describe("wallLanes", () => {
  for (const [name, c] of cases("wall_lanes")) {
    test(name, () => {
      const lanes = wallLanes(c.tasks, c.online, c.shift_agent_ids, c.shift_start, c.groups);
      assert.deepEqual(
        lanes.map((lane) => ({
          [lane.group ? "group" : "agent"]: (lane.group || lane.agent).id,
          open: ids(lane.open),
          postponed: ids(lane.postponed),
          resolved: ids(lane.resolved),
        })),
        c.lanes,
      );
    });
  }
});

describe("formatDuration", () => {
  for (const [name, c] of cases("format_duration")) {
    test(`${name}: ${c.seconds} s`, () => {
      const text = c.units ? formatDuration(c.seconds, c.units) : formatDuration(c.seconds);
      assert.equal(text, c.text);
    });
  }
});

describe("boardOrder", () => {
  for (const [name, c] of cases("board_order")) {
    test(name, () => assert.deepEqual(ids([...c.tasks].sort(boardOrder)), c.order));
  }
});

describe("ageLevel", () => {
  for (const [name, c] of cases("age_level")) {
    test(name, () => {
      assert.equal(ageLevel(c.since, c.now, c.warn, c.alert, c.parked ?? false), c.level);
      assert.equal(ageLevel(c.since, Date.parse(c.now), c.warn, c.alert, c.parked ?? false), c.level);
    });
  }
});

describe("sortBy", () => {
  const { tasks, now } = table("task_sort");
  for (const [name, c] of cases("task_sort")) {
    test(name, () => {
      const { key, descending } = parseSort(c.sort);
      const sorted = [...tasks].sort(sortBy(key, descending, Date.parse(now)));
      assert.deepEqual(
        sorted.map((task) => task.id),
        c.order,
      );
    });
  }
});
