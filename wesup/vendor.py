"""Browser libraries installed from the npm registry (package.json), served from node_modules.

Nothing is fetched from a CDN at run time and nothing is copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
FILES = {
    "socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist",
    "socket.io.min.js.map": NODE_MODULES / "socket.io-client" / "dist",
    "chart.umd.min.js": NODE_MODULES / "chart.js" / "dist",  # the report's charts
    "chart.umd.min.js.map": NODE_MODULES / "chart.js" / "dist",
}


@bp.get("/<name>")
def asset(name: str) -> ResponseReturnValue:
    folder = FILES.get(name)
    if folder is None or not (folder / name).exists():
        abort(404)
    return send_from_directory(folder, name, max_age=3600)
