"""Start WeSup: pick the async mode, monkey-patch (here alone), migrate, announce setup, serve.

python run.py [--host 127.0.0.1] [--port 5000] [--async-mode eventlet|gevent|threading]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the WeSup server.")
    parser.add_argument("--host", default=os.environ.get("WESUP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WESUP_PORT", "5000")))
    parser.add_argument(
        "--async-mode",
        choices=("eventlet", "gevent", "threading"),
        default=os.environ.get("WESUP_ASYNC_MODE", "eventlet"),
    )
    return parser.parse_args(argv)


def monkey_patch(mode: str) -> None:
    """Must run before anything else imports socket or threading."""
    if mode == "eventlet":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # eventlet warns that it is in bug-fix-only mode
            import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        # gevent does not make psycopg2 cooperative by itself (eventlet's patch does).
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    monkey_patch(args.async_mode)

    from flask_migrate import upgrade

    from wesup import create_app
    from wesup.directories.service import seed_defaults
    from wesup.extensions import socketio
    from wesup.users import setup_token

    app = create_app({"ASYNC_MODE": args.async_mode, "HOST": args.host, "PORT": args.port})
    with app.app_context():
        upgrade()
        seed_defaults(app.config["DEFAULT_LOCALE"])
        token = setup_token()
    if token:
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
        print(
            "\n  No accounts yet. Create the first admin here (works once):\n"
            f"    http://{host}:{args.port}/setup?token={token}\n",
            flush=True,
        )
    print(f"WeSup on http://{args.host}:{args.port} ({args.async_mode})", flush=True)
    server_options: dict[str, object] = {}
    if args.async_mode == "eventlet":
        # eventlet's default of 1024 concurrent connections (idle keep-alives included)
        # would cap the board's audience well below a few TVs and a floor of open tabs.
        server_options["max_size"] = app.config["MAX_CONNECTIONS"]
    # Everything loaded so far lives as long as the process: keep the garbage collector's
    # full passes from walking it again and again (they set the p99 of live delivery).
    gc.collect()
    gc.freeze()
    socketio.run(
        app,
        host=args.host,
        port=args.port,
        use_reloader=False,
        log_output=False,
        allow_unsafe_werkzeug=args.async_mode == "threading",
        **server_options,
    )


if __name__ == "__main__":
    main()
