"""The OpenAPI 3 description of /api, served at /api/openapi.json.

Kept by hand, one entry per route and method in `PATHS`, next to the shapes the models'
`to_dict()` give (`SCHEMAS`). Two things keep it honest:

- what the code knows is filled in from the code: which routes take an API token and with
  which scope comes from each view's `@takes_token` (`describe`), so the description cannot
  promise a bot what bearer.py refuses;
- tests/test_openapi.py fails when an /api route of the url_map has no entry here, or an
  entry names no route; tests/test_schemathesis.py calls every operation with data generated
  from this description and checks that no answer is a 5xx or breaks its schema.

Adding a route: write the view, then add its path here (`op(...)` for the operation, a schema
in SCHEMAS for a new shape). Served to anybody signed in and to any valid token: it is the
bot author's manual; it holds no data, but the API is not public, so neither is its map.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from wesup.api import bp
from wesup.apitokens import EXPIRY_DAYS_MAX
from wesup.bearer import ANY_SCOPE, scope_of, takes_token
from wesup.config import REPORT_PAGE_MAX
from wesup.enums import EventKind, ReportBreakdown, ReportMetric, Role, StatusCategory, TokenScope
from wesup.reports.service import COUNTERS

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """OpenAPI 3.0's null: a $ref cannot carry `nullable`, so it is wrapped."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these required and optional properties (others allowed)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def envelope(key: str, schema: Schema) -> Schema:
    return obj({key: schema})


def many(key: str, item: Schema) -> Schema:
    return obj({key: {"type": "array", "items": item}})


INTEGER: Schema = {"type": "integer"}
ID: Schema = {"type": "integer", "minimum": 1}
TEXT: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
COLOR: Schema = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
COUNT: Schema = {"type": "integer", "minimum": 0}
SHIFT: Schema = obj({"start": MOMENT, "end": MOMENT})

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": TEXT,
                    "message": TEXT,
                    "fields": {"type": "object", "additionalProperties": TEXT},
                }
            )
        }
    ),
    "Person": obj({"id": ID, "name": TEXT}),
    "Actor": obj(
        {"id": ID, "name": TEXT},
        {"integration": {"type": "boolean", "description": "an API token's integration"}},
    ),
    "LineBrief": obj({"id": ID, "name": TEXT, "color": COLOR}),
    "Task": obj(
        {
            "id": ID,
            "title": TEXT,
            "description": TEXT,
            "chat": nullable(obj({"id": ID, "name": TEXT})),
            "status": obj(
                {"id": ID, "name": TEXT, "color": COLOR, "category": ref("StatusCategory")}
            ),
            "agent": nullable(ref("Person")),
            "group": nullable(ref("LineBrief")),
            "received_at": MOMENT,
            "resolved_at": nullable(MOMENT),
            "created_at": MOMENT,
            "updated_at": MOMENT,
            "deleted": BOOLEAN,
            "version": INTEGER,
            "last_comment": nullable(TEXT),
        },
        {"urgent": BOOLEAN, "last_activity_at": nullable(MOMENT)},
    ),
    "StatusCategory": {"type": "string", "enum": [c.value for c in StatusCategory]},
    "Chat": obj(
        {"id": ID, "name": TEXT, "note": TEXT, "archived": BOOLEAN},
        {
            "has_notify_url": BOOLEAN,
            "notify_url_masked": {
                **nullable(TEXT),
                "description": "the address in Apprise's privacy form; never in full",
            },
            "gets_new_tasks": BOOLEAN,
        },
    ),
    "Status": obj(
        {
            "id": ID,
            "name": TEXT,
            "color": COLOR,
            "category": ref("StatusCategory"),
            "position": INTEGER,
            "archived": BOOLEAN,
        }
    ),
    "Group": obj(
        {
            "id": ID,
            "name": TEXT,
            "color": COLOR,
            "position": INTEGER,
            "archived": BOOLEAN,
            "member_ids": {"type": "array", "items": ID},
        }
    ),
    "Comment": obj(
        {"id": ID, "task_id": ID, "author": ref("Person"), "body": TEXT, "created_at": MOMENT}
    ),
    "TimelineEntry": {
        **obj(
            {
                "seq": ID,
                "kind": {"type": "string", "enum": [k.value for k in EventKind if k.is_task]},
                "task_id": nullable(ID),
                "actor": nullable(ref("Actor")),
                "at": MOMENT,
            }
        ),
        "description": "One event of the task's log: what changed (`changes`, `from`, `to`, "
        "`note`, `comment`) and the task after it (`task`).",
    },
    "Handover": obj(
        {
            "id": ID,
            "from": ref("Person"),
            "to": obj({"agent": nullable(ref("Person")), "group": nullable(ref("LineBrief"))}),
            "note": TEXT,
            "task_ids": {"type": "array", "items": ID},
            "tasks": {"type": "array", "items": {"type": "object"}},
            "created_at": MOMENT,
            "accepted_at": nullable(MOMENT),
            "accepted_by": nullable(ref("Person")),
            "shift": SHIFT,
            "resolved_in_shift": COUNT,
        },
        {"can_accept": BOOLEAN},
    ),
    "TokenScope": {"type": "string", "enum": [s.value for s in TokenScope]},
    "Token": obj(
        {
            "id": ID,
            "name": TEXT,
            "scopes": {"type": "array", "items": ref("TokenScope")},
            "prefix": TEXT,
            "created_by": nullable(ref("Person")),
            "created_at": MOMENT,
            "last_used_at": nullable(MOMENT),
            "revoked_at": nullable(MOMENT),
            "expires_at": {
                **nullable(MOMENT),
                "description": "after it the token gets 401; null: never expires",
            },
        }
    ),
    "NewToken": {
        "allOf": [ref("Token"), obj({"secret": TEXT})],
        "description": "The secret appears in this answer only; keep it in the bot.",
    },
    "Delivery": obj(
        {
            "id": ID,
            "chat_id": ID,
            "chat": TEXT,
            "status": {"type": "string", "enum": ["queued", "sent", "failed"]},
            "attempts": COUNT,
            "error": nullable(TEXT),
            "retrying": {**BOOLEAN, "description": "failed this time, another attempt planned"},
        }
    ),
    "DeliveryLogEntry": {
        "allOf": [
            ref("Delivery"),
            obj(
                {
                    "announcement_id": nullable(ID),
                    "kind": TEXT,
                    "body": TEXT,
                    "next_attempt_at": nullable(MOMENT),
                    "created_at": MOMENT,
                    "sent_at": nullable(MOMENT),
                }
            ),
        ]
    },
    "Announcement": obj(
        {
            "id": ID,
            "text": TEXT,
            "author": nullable(ref("Actor")),
            "created_at": MOMENT,
            "follow_up_of": nullable(ID),
            "deliveries": {"type": "array", "items": ref("Delivery")},
        }
    ),
    "Incident": obj(
        {
            "id": ID,
            "title": TEXT,
            "status": {"type": "string", "enum": ["open", "resolved"]},
            "created_by": ref("Person"),
            "created_at": MOMENT,
            "resolved_at": nullable(MOMENT),
            "resolved_by": nullable(ref("Person")),
            "resolve_message": nullable(TEXT),
            "task_ids": {"type": "array", "items": ID},
            "tasks": {"type": "array", "items": ref("Task")},
            "chats": {"type": "array", "items": obj({"id": ID, "name": TEXT})},
            "open_task_count": COUNT,
        }
    ),
    "ReportNumbers": {
        "type": "object",
        "description": "One row's numbers (docs/METRICS.md): counts, percentiles in seconds "
        "(null where nothing was measured), seconds per status and per category.",
        "properties": {
            **dict.fromkeys(COUNTERS, COUNT),
            "first_action_p50": nullable(COUNT),
            "first_action_p90": nullable(COUNT),
            "resolve_p50": nullable(COUNT),
            "resolve_p90": nullable(COUNT),
            "time_in_status": {"type": "object", "additionalProperties": COUNT},
            "time_in_category": {"type": "object", "additionalProperties": COUNT},
            "time_credited": COUNT,
        },
        "required": [*COUNTERS, "time_credited"],
    },
    "Report": obj(
        {
            "period": obj({"start": MOMENT, "end": MOMENT}),
            "by": {"type": "string", "enum": [b.value for b in ReportBreakdown]},
            "rows": {
                "type": "array",
                "items": {
                    "allOf": [
                        ref("ReportNumbers"),
                        obj({"key": obj({"id": nullable(ID), "name": nullable(TEXT)})}),
                    ]
                },
            },
            "total": ref("ReportNumbers"),
        }
    ),
    "SearchResult": obj(
        {
            "tasks": {"type": "array", "items": ref("Task")},
            "query": TEXT,
            "more": {**BOOLEAN, "description": "older matches were left out"},
            "limit": COUNT,
            "period": nullable(
                obj(
                    {
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                    }
                )
            ),
            "seq": COUNT,
        }
    ),
    "Board": obj(
        {
            "tasks": {"type": "array", "items": ref("Task")},
            "summary": {"type": "object", "additionalProperties": COUNT},
            "period": obj(
                {
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                    "start": MOMENT,
                    "end": MOMENT,
                }
            ),
            "seq": COUNT,
        }
    ),
    "MyTasks": obj(
        {
            "open": {"type": "array", "items": ref("Task")},
            "closed_this_shift": {"type": "array", "items": ref("Task")},
            "queue": {"type": "array", "items": ref("Task")},
            "shift": SHIFT,
            "seq": COUNT,
        }
    ),
    "Session": obj(
        {
            "user": obj(
                {
                    "id": ID,
                    "name": TEXT,
                    "login": TEXT,
                    "role": {"type": "string", "enum": [r.value for r in Role]},
                }
            ),
            "csrf_token": TEXT,
            "seq": COUNT,
        }
    ),
}

# What clients send. Ids may also come as digit strings (forms); JSON clients send numbers.
NEW_TASK = obj(
    {"title": {"type": "string", "maxLength": 300}},
    {
        "description": {"type": "string", "maxLength": 10_000},
        "chat_id": nullable(ID),
        "status_id": nullable(ID),
        "agent_id": nullable(ID),
        "group_id": nullable(ID),
        "received_at": {"type": "string", "description": "local date-time, e.g. 2026-12-01T09:30"},
        "urgent": BOOLEAN,
    },
)
TASK_CHANGE = obj(
    {"version": INTEGER},
    {
        "title": {"type": "string", "maxLength": 300},
        "description": {"type": "string", "maxLength": 10_000},
        "chat_id": nullable(ID),
        "status_id": ID,
        "agent_id": nullable(ID),
        "group_id": nullable(ID),
        "received_at": TEXT,
        "urgent": BOOLEAN,
        "note": {"type": "string", "maxLength": 2_000},
    },
)
TRANSFER = obj(
    {},
    {
        "version": INTEGER,
        "agent_id": nullable(ID),
        "group_id": nullable(ID),
        "note": {"type": "string", "maxLength": 2_000},
    },
)
NEW_COMMENT = obj({"body": {"type": "string", "maxLength": 5_000}})
NEW_HANDOVER = obj(
    {},
    {"to_agent_id": nullable(ID), "to_group_id": nullable(ID), "note": TEXT},
)
NEW_TOKEN = obj(
    {
        "name": {"type": "string", "maxLength": 120},
        "scopes": {"type": "array", "items": ref("TokenScope"), "minItems": 1},
    },
    {
        "expires_in_days": {
            **nullable({"type": "integer", "minimum": 1, "maximum": EXPIRY_DAYS_MAX}),
            "description": "the token's lifetime from now; absent or null: it never expires",
        }
    },
)
DIRECTORY_WRITES = {
    "chats": obj(
        {},
        {
            "name": {"type": "string", "maxLength": 120},
            "note": TEXT,
            "notify_url": {"type": "string", "description": "an Apprise URL; empty clears it"},
            "gets_new_tasks": BOOLEAN,
        },
    ),
    "statuses": obj(
        {},
        {
            "name": {"type": "string", "maxLength": 64},
            "color": COLOR,
            "category": ref("StatusCategory"),
            "position": INTEGER,
        },
    ),
    "groups": obj(
        {},
        {
            "name": {"type": "string", "maxLength": 64},
            "color": COLOR,
            "position": INTEGER,
            "member_ids": {"type": "array", "items": ID},
        },
    ),
}
CHAT_IDS = {
    "oneOf": [
        {"type": "array", "items": ID, "minItems": 1},
        {"type": "string", "enum": ["all"]},
    ]
}
ANNOUNCE = obj({"text": {"type": "string", "maxLength": 4_000}}, {"chat_ids": CHAT_IDS})
TASK_IDS = {"type": "array", "items": ID, "minItems": 1}
DIRECTORIES = {
    "chats": ("chat", "Chat"),
    "statuses": ("status", "Status"),
    "groups": ("group", "Group"),
}


def query(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def flag(name: str, description: str) -> Schema:
    return query(name, {"type": "string", "enum": ["1"]}, description)


def json_of(schema: Schema) -> Schema:
    """A request's or an answer's content: JSON of this schema."""
    return {"application/json": {"schema": schema}}


def op(
    summary: str,
    answer: Schema,
    *,
    status: int = 200,
    body: Schema | None = None,
    params: list[Schema] | None = None,
    errors: tuple[int, ...] = (),
) -> Schema:
    """One operation: its summary, the answer of `status`, and the errors it names (every
    operation may also answer 401, 403 and 429, and any error has the Error shape)."""
    described_errors = sorted({400, 401, 403, 429, *errors})
    responses: dict[str, Any] = {str(status): {"description": "OK", "content": json_of(answer)}}
    for code in described_errors:
        responses[str(code)] = {
            "description": ERROR_MEANINGS[code],
            "content": json_of(ref("Error")),
        }
    operation: Schema = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": json_of(body)}
    if params:
        operation["parameters"] = params
    return operation


ERROR_MEANINGS = {
    400: "The request is malformed (not a JSON object, a bad filter, a missing CSRF token).",
    401: "Not signed in, or the API token is unknown, revoked or expired.",
    403: "The role, or the token's scopes, do not allow it.",
    404: "No such thing.",
    409: "Somebody changed it first; `current` in the body is what is there now.",
    413: "The request body is too large.",
    415: "Send JSON.",
    422: "A field is not valid; `fields` says which and why.",
    429: "Too many requests; wait for Retry-After seconds.",
}


def _path_id(name: str) -> Schema:
    """An id in the path; the example (1) lets a generated run hit a real row now and then."""
    return {"name": name, "in": "path", "required": True, "schema": ID, "example": 1}


TASK_ID = [_path_id("task_id")]
TEAM_DAYS = [  # All tasks and Reports name a period of team days alike
    query("from", {"type": "string", "format": "date"}, "first team day, YYYY-MM-DD"),
    query("to", {"type": "string", "format": "date"}, "last team day, YYYY-MM-DD"),
]
TASK_FILTERS = [
    query("agent", ID, "owner's id"),
    query("status", ID, "status id"),
    query("chat", ID, "chat id"),
    query("group", ID, "line id"),
    flag("unassigned", "only tasks waiting in a line's queue"),
    flag("deleted", "the deleted tasks instead (leads and admins)"),
]
PERIOD = [*TEAM_DAYS, *TASK_FILTERS]


REPORT_FILES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}
REPORT_PERIOD = [
    *TEAM_DAYS,
    query("shift", TEXT, "a moment in the shift (ISO), or `now`"),
    query("start", TEXT, "ISO date-time; with `end`, the period [start, end)"),
    query("end", TEXT, "ISO date-time"),
    query("by", {"type": "string", "enum": [b.value for b in ReportBreakdown]}, "rows by"),
]


def with_files(operation: Schema) -> Schema:
    """A report's 200 is JSON, or with ?format=csv|xlsx the file (an attachment)."""
    answer = operation["responses"]["200"]
    answer["content"] = {**answer["content"], **REPORT_FILES}
    answer["description"] = "The report: JSON, or the CSV or XLSX file that `format` asks for"
    return operation


def _directory_paths() -> dict[str, Schema]:
    """/api/chats, /api/statuses and /api/groups share their handlers and their shape."""
    paths: dict[str, Schema] = {}
    for kind, (one, schema) in DIRECTORIES.items():
        entry_id = [_path_id("entry_id")]
        write = DIRECTORY_WRITES[kind]
        paths[f"/api/{kind}"] = {
            "get": op(
                f"List {kind}",
                many(kind, ref(schema)),
                params=[flag("archived", "include archived entries")],
            ),
            "post": op(
                f"Create a {one} (leads and admins)",
                envelope(one, ref(schema)),
                status=201,
                body=write,
                errors=(409, 422),
            ),
        }
        paths[f"/api/{kind}/{{entry_id}}"] = {
            "parameters": entry_id,
            "patch": op(
                f"Change a {one}",
                envelope(one, ref(schema)),
                body=write,
                errors=(404, 409, 422),
            ),
            "delete": op(
                f"Archive a {one} still used by tasks, remove an unused one",
                obj({one: ref(schema), "removed": BOOLEAN}),
                errors=(404, 409, 422),
            ),
        }
        paths[f"/api/{kind}/{{entry_id}}/restore"] = {
            "parameters": entry_id,
            "post": op(f"Restore an archived {one}", envelope(one, ref(schema)), errors=(404, 409)),
        }
    return paths


PATHS: dict[str, Schema] = {
    "/api/openapi.json": {
        "get": op("This description", {"type": "object"}),
    },
    "/api/session": {
        "get": op("Who is signed in, and the CSRF token for X-CSRFToken", ref("Session")),
    },
    "/api/tasks": {
        "get": op(
            "All tasks of a period (today by default)", ref("Board"), params=PERIOD, errors=(422,)
        ),
        "post": op(
            "Log a task. A bot names agent_id or group_id (it owns no tasks) and chat_id.",
            envelope("task", ref("Task")),
            status=201,
            body=NEW_TASK,
            errors=(409, 422),
        ),
    },
    "/api/tasks/mine": {
        "get": op("My open tasks, the ones I closed this shift, my lines' queues", ref("MyTasks")),
    },
    "/api/tasks/{task_id}": {
        "parameters": TASK_ID,
        "get": op(
            "A task and its timeline",
            obj(
                {"task": ref("Task"), "timeline": {"type": "array", "items": ref("TimelineEntry")}}
            ),
            errors=(404,),
        ),
        "patch": op(
            "Change fields, status, owner or line; `version` must be the one you saw",
            envelope("task", ref("Task")),
            body=TASK_CHANGE,
            errors=(404, 409, 422),
        ),
        "delete": op(
            "Delete (soft; a lead can restore it)",
            envelope("task", ref("Task")),
            params=[query("version", INTEGER, "the version you saw")],
            errors=(404, 409),
        ),
    },
    "/api/tasks/{task_id}/transfer": {
        "parameters": TASK_ID,
        "post": op(
            "Hand a task on to a person or a line (a note is required for a line)",
            envelope("task", ref("Task")),
            body=TRANSFER,
            errors=(404, 409, 422),
        ),
    },
    "/api/tasks/{task_id}/take": {
        "parameters": TASK_ID,
        "post": op(
            "Take a task from a line's queue; 409 with `taken_by` when somebody was first",
            envelope("task", ref("Task")),
            errors=(404, 409),
        ),
    },
    "/api/tasks/{task_id}/restore": {
        "parameters": TASK_ID,
        "post": op("Restore a deleted task", envelope("task", ref("Task")), errors=(404, 409)),
    },
    "/api/tasks/{task_id}/comments": {
        "parameters": TASK_ID,
        "get": op("A task's comments", many("comments", ref("Comment")), errors=(404,)),
        "post": op(
            "Add a comment",
            envelope("comment", ref("Comment")),
            status=201,
            body=NEW_COMMENT,
            errors=(404, 409, 422),
        ),
    },
    "/api/handovers": {
        "get": op(
            "Handovers: the latest, or ?pending=1 those nobody accepted yet",
            many("handovers", ref("Handover")),
            params=[flag("pending", "only the pending ones, oldest first")],
        ),
        "post": op(
            "Hand all my open tasks to a person or a line",
            envelope("handover", ref("Handover")),
            status=201,
            body=NEW_HANDOVER,
            errors=(409, 422),
        ),
    },
    "/api/handovers/{handover_id}": {
        "parameters": [_path_id("handover_id")],
        "get": op("A handover", envelope("handover", ref("Handover")), errors=(404,)),
    },
    "/api/handovers/{handover_id}/accept": {
        "parameters": [_path_id("handover_id")],
        "post": op(
            "Accept a handover (its receiver, or a member of its line)",
            envelope("handover", ref("Handover")),
            errors=(404, 409),
        ),
    },
    "/api/tokens": {
        "get": op("API tokens (admins)", many("tokens", ref("Token"))),
        "post": op(
            "Make an API token (admins); the secret is in this answer only",
            envelope("token", ref("NewToken")),
            status=201,
            body=NEW_TOKEN,
            errors=(409, 422),
        ),
    },
    "/api/tokens/{token_id}": {
        "parameters": [_path_id("token_id")],
        "delete": op(
            "Revoke an API token (admins): its next request gets 401",
            envelope("token", ref("Token")),
            errors=(404, 409),
        ),
    },
    "/api/tasks/search": {
        "get": op(
            "Tasks of all time whose title, description, comments or chat hold every word",
            ref("SearchResult"),
            params=[query("q", TEXT, "the words"), *TASK_FILTERS],
            errors=(422,),
        ),
    },
    "/api/reports": {
        "get": with_files(
            op(
                "A report of a period by person, line, chat or status (docs/METRICS.md)",
                ref("Report"),
                params=[
                    *REPORT_PERIOD,
                    query("format", {"type": "string", "enum": ["json", "csv", "xlsx"]}, "json"),
                ],
                errors=(422,),
            )
        ),
    },
    "/api/reports/tasks": {
        "get": op(
            "A page of the tasks behind one number of a report, oldest received first",
            obj(
                {
                    "tasks": {
                        "type": "array",
                        "items": {"allOf": [ref("Task"), obj({"seconds": nullable(COUNT)})]},
                    },
                    "total": {**COUNT, "description": "how many tasks are behind the number"},
                    "limit": COUNT,
                    "offset": COUNT,
                    "next_offset": {
                        **nullable(COUNT),
                        "description": "the next page's offset; null on the last page",
                    },
                }
            ),
            params=[
                *REPORT_PERIOD,
                query("key", TEXT, "a row's id, `none` or `all` (the total)"),
                query("metric", {"type": "string", "enum": [m.value for m in ReportMetric]}, ""),
                query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": REPORT_PAGE_MAX},
                    "tasks per page (default WESUP_REPORT_PAGE_SIZE, 200)",
                ),
                query("offset", COUNT, "tasks to skip (a page's `next_offset`)"),
            ],
            errors=(422,),
        ),
    },
    "/api/chats/{chat_id}/test": {
        "parameters": [_path_id("chat_id")],
        "post": op(
            "Send a test message to the chat's address now (leads and admins)",
            envelope("test", obj({"sent": BOOLEAN, "error": nullable(TEXT)})),
            errors=(404, 422),
        ),
    },
    "/api/reports/my-shift/post": {
        "post": op(
            "Post the caller's My shift text to a chat with an address (once per shift and chat)",
            envelope("delivery", ref("DeliveryLogEntry")),
            status=202,
            body=obj({"chat_id": ID}),
            errors=(422,),
        ),
    },
    "/api/announcements": {
        "get": op("The newest announcements", many("announcements", ref("Announcement"))),
        "post": op(
            "One message to the chats named, or to all: each chat's delivery is queued",
            envelope("announcement", ref("Announcement")),
            status=202,
            body=ANNOUNCE,
            errors=(422,),
        ),
    },
    "/api/announcements/{announcement_id}": {
        "parameters": [_path_id("announcement_id")],
        "get": op(
            "An announcement and each chat's delivery",
            envelope("announcement", ref("Announcement")),
            errors=(404,),
        ),
    },
    "/api/announcements/{announcement_id}/follow-up": {
        "parameters": [_path_id("announcement_id")],
        "post": op(
            "A follow-up to the same chats",
            envelope("announcement", ref("Announcement")),
            status=202,
            body=obj({"text": {"type": "string", "maxLength": 4_000}}),
            errors=(404, 422),
        ),
    },
    "/api/deliveries": {
        "get": op("The delivery log (admins)", many("deliveries", ref("DeliveryLogEntry"))),
    },
    "/api/incidents": {
        "get": op(
            "The open incidents, newest first",
            many("incidents", ref("Incident")),
            params=[flag("resolved", "the latest resolved ones too")],
        ),
        "post": op(
            "Link tasks into an incident (leads and admins)",
            envelope("incident", ref("Incident")),
            status=201,
            body=obj({"title": {"type": "string", "maxLength": 300}}, {"task_ids": TASK_IDS}),
            errors=(409, 422),
        ),
    },
    "/api/incidents/{incident_id}": {
        "parameters": [_path_id("incident_id")],
        "get": op(
            "An incident, its tasks and chats", envelope("incident", ref("Incident")), errors=(404,)
        ),
    },
    "/api/incidents/{incident_id}/tasks": {
        "parameters": [_path_id("incident_id")],
        "post": op(
            "Link more tasks (409 when one is in another open incident)",
            envelope("incident", ref("Incident")),
            body=obj({"task_ids": TASK_IDS}),
            errors=(404, 409, 422),
        ),
    },
    "/api/incidents/{incident_id}/tasks/{task_id}": {
        "parameters": [_path_id("incident_id"), _path_id("task_id")],
        "delete": op(
            "Unlink a task", envelope("incident", ref("Incident")), errors=(404, 409, 422)
        ),
    },
    "/api/incidents/{incident_id}/resolve": {
        "parameters": [_path_id("incident_id")],
        "post": op(
            "Resolve the incident and every linked open task; each source chat is told once",
            envelope("incident", ref("Incident")),
            body=obj({}, {"message": {"type": "string", "maxLength": 2_000}}),
            errors=(404, 409, 422),
        ),
    },
    "/api/incidents/{incident_id}/announce": {
        "parameters": [_path_id("incident_id")],
        "post": op(
            "One announcement to the incident's chats that have an address",
            envelope("announcement", ref("Announcement")),
            status=202,
            body=obj({"text": {"type": "string", "maxLength": 4_000}}),
            errors=(404, 409, 422),
        ),
    },
    **_directory_paths(),
}

SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "A signed-in browser; unsafe methods also need the X-CSRFToken header "
        "(GET /api/session gives it).",
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token made by an admin (Admin → API tokens). No CSRF token "
        "needed; only the operations that name a scope take it.",
    },
}
METHODS = ("get", "post", "put", "patch", "delete")
CONVERTER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")
ANY_CONVERTER = re.compile(r"<any\(([^)]*)\):[a-z_]+>")


def openapi_paths(rule: str) -> list[str]:
    """The OpenAPI paths of a Werkzeug rule: `<int:task_id>` is `{task_id}`, and an
    `<any(a, b):kind>` part makes one path per choice."""
    choices = ANY_CONVERTER.search(rule)
    if choices:
        return [
            path
            for choice in choices.group(1).split(",")
            for path in openapi_paths(
                rule[: choices.start()] + choice.strip() + rule[choices.end() :]
            )
        ]
    return [CONVERTER.sub(r"{\1}", rule)]


def describe(app: Flask) -> dict[str, Any]:
    """The whole document; each operation's security is read from its view's `takes_token`."""
    paths: dict[str, dict[str, Any]] = {
        path: {
            method: dict(value) if method in METHODS else value for method, value in item.items()
        }
        for path, item in PATHS.items()
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        scope = scope_of(app.view_functions.get(rule.endpoint))
        for path in openapi_paths(rule.rule):
            for method in rule.methods or ():
                operation = paths.get(path, {}).get(method.lower())
                if operation is None:
                    continue  # tests/test_openapi.py names the route left undescribed
                security: list[dict[str, list[str]]] = [{"session": []}]
                if scope is not None:
                    security.append({"bearer": [] if scope == ANY_SCOPE else [scope]})
                    operation["x-token-scope"] = scope
                operation["security"] = security
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "WeSup API",
            "version": "1",
            "description": 'The JSON API of WeSup. Answers are an envelope ({"task": …}, '
            '{"tasks": […]}); errors are {"error": {"code", "message", "fields"}}. '
            "A bot calls it with `Authorization: Bearer <token>`; `x-token-scope` says which "
            "scope an operation asks of a token (operations without it are for people).",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }


@bp.get("/openapi.json")
@takes_token(ANY_SCOPE)
def openapi_json() -> ResponseReturnValue:
    """This API's description, for people signed in and for any valid token."""
    return jsonify(describe(current_app))
