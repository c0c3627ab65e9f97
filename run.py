"""Start WeSup: pick the async mode, monkey-patch (here alone), migrate, announce setup, serve.

python run.py [--host 127.0.0.1] [--port 5000] [--async-mode eventlet|gevent|threading]

Host and port follow the configuration order (defaults, instance/config.py, WESUP_HOST /
WESUP_PORT); a flag given here wins over all of them. The async mode must be known before
monkey-patching, that is before the app and instance/config.py are read: it comes from
--async-mode or WESUP_ASYNC_MODE only (default eventlet).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import warnings

ASYNC_MODES = ("eventlet", "gevent", "threading")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Only the flags actually given are set; the rest stay None for the configuration."""
    parser = argparse.ArgumentParser(description="Run the WeSup server.")
    parser.add_argument("--host", help="default: HOST of the configuration (127.0.0.1)")
    parser.add_argument("--port", type=int, help="default: PORT of the configuration (5000)")
    parser.add_argument(
        "--async-mode", choices=ASYNC_MODES, help="default: WESUP_ASYNC_MODE, else eventlet"
    )
    args = parser.parse_args(argv)
    args.async_mode = args.async_mode or os.environ.get("WESUP_ASYNC_MODE") or "eventlet"
    if args.async_mode not in ASYNC_MODES:
        parser.error(f"WESUP_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}")
    return args


def overrides(args: argparse.Namespace) -> dict[str, object]:
    """What the command line says, for create_app: the async mode, and host and port if given."""
    given: dict[str, object] = {"ASYNC_MODE": args.async_mode}
    if args.host is not None:
        given["HOST"] = args.host
    if args.port is not None:
        given["PORT"] = args.port
    return given


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
    from wesup.notify import start_worker
    from wesup.serving import server_options
    from wesup.users import setup_token

    try:
        app = create_app(overrides(args))
    except ValueError as exc:  # a setting that cannot work: say which, and do not start
        sys.exit(f"WeSup cannot start: {exc}")
    host, port = app.config["HOST"], int(app.config["PORT"])
    with app.app_context():
        upgrade()
        seed_defaults(app.config["DEFAULT_LOCALE"])
        token = setup_token()
    # After the migrations, which set up logging their own way: WeSup's notes (sign-ins,
    # Redis going away and coming back) go to stderr too (systemd's journal adds the time).
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    logging.getLogger("wesup").setLevel(logging.INFO)
    if token:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        print(
            "\n  No accounts yet. Create the first admin here (works once):\n"
            f"    http://{shown}:{port}/setup?token={token}\n",
            flush=True,
        )
    print(f"WeSup on http://{host}:{port} ({args.async_mode})", flush=True)
    options = server_options(args.async_mode, app.config)  # connection cap, HTTP timeout
    # Everything loaded so far lives as long as the process: keep the garbage collector's
    # full passes from walking it again and again (they set the p99 of live delivery).
    gc.collect()
    gc.freeze()
    start_worker(app)  # the outbox: messages to chats, queued before a restart included
    socketio.run(
        app,
        host=host,
        port=port,
        use_reloader=False,
        log_output=False,
        allow_unsafe_werkzeug=args.async_mode == "threading",
        **options,
    )


if __name__ == "__main__":
    main()
