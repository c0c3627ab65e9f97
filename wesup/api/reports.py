"""Reports over JSON, CSV and XLSX: GET /api/reports and the tasks behind a number."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup.api import bp, json_body
from wesup.reports import exports, myshift, service


@bp.get("/reports")
def report() -> ResponseReturnValue:
    """?from=&to= (team days), or shift= (a moment in it, or now), or start=&end= (ISO);
    by=agent|group|chat|status; format=json (default), csv or xlsx."""
    start, end = service.window(request.args)
    by = service.breakdown(request.args.get("by")).value
    chosen = exports.file_format(request.args.get("format"))
    if chosen == "json":
        return jsonify(service.build_report(current_user, start, end, by))
    body, mimetype, filename = exports.download(current_user, start, end, by, chosen)
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/reports/tasks")
def report_tasks() -> ResponseReturnValue:
    """The tasks behind one number: the period as for /api/reports, by, key (an id, none or
    all) and metric; a page of them (limit, default WESUP_REPORT_PAGE_SIZE; offset)."""
    limit, offset = service.page_of(request.args, current_app.config["REPORT_PAGE_SIZE"])
    start, end = service.window(request.args)
    behind = service.report_tasks(
        current_user,
        start,
        end,
        request.args.get("by") or "agent",
        service.key_arg(request.args.get("key")),
        request.args.get("metric") or "",
    )
    return jsonify(behind.page(limit, offset))


@bp.post("/reports/my-shift/post")
def post_my_shift() -> ResponseReturnValue:
    """{"chat_id"} → 202: the caller's My shift text is queued for that chat (once per shift
    and chat); {"delivery": …} follows its status."""
    delivery = myshift.post_to_chat(current_user, json_body().get("chat_id"))
    return jsonify(delivery=delivery.to_dict()), 202
