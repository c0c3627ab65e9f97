"""Messages to chats: each chat's address, the outbox, and the task that sends it.

A chat may have an Apprise URL (`tgram://…`, `slack://…`, `json://…`; Apprise speaks to
every common chat from one URL). Nothing is sent to a chat without one.

Nothing here sends from a request. A message is a row of `deliveries` (the outbox), written
in the same transaction as the change it reports, so it exists exactly when the change does;
one background task per server process (`start_worker`, started by run.py) sends the rows
that are due. That task claims a row with one conditional UPDATE (`_claim`: its attempt count
goes up and its next attempt moves a lease into the future), so of several processes one
sends it; the send runs off the event loop with a timeout, so a chat that hangs holds one
sender for at most NOTIFY_TIMEOUT seconds and never a page or a task write. A failure is
retried with exponential backoff up to NOTIFY_MAX_ATTEMPTS; a 429's wait (its Retry-After
header, seconds or a date, or the retry_after of its body) is honoured: the next attempt is
no sooner.
The rows outlive the process: what was queued before a restart goes out after it, once (a
process killed in the middle of a send may send that one message again when its lease ends:
the target gave no answer, so nobody knows whether it arrived).

The idempotency key makes queueing the same message twice harmless: a rule that runs again
for the same change finds its row.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import re
import socket
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import apprise
import requests
import sqlalchemy as sa
from apprise.logger import LOGGER_NAME as APPRISE_LOGGER
from apprise.manager_plugins import NotificationManager
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wesup import apitokens, events, validate
from wesup.config import serving_async_mode
from wesup.enums import EventKind, TokenScope
from wesup.errors import Forbidden, NotFound, ValidationFailed
from wesup.extensions import db, socketio
from wesup.models import Announcement, Chat, Delivery, Task, User, utcnow

log = logging.getLogger(__name__)

QUEUED, SENT, FAILED = "queued", "sent", "failed"
STATUSES = (QUEUED, SENT, FAILED)

# Schemas whose host part names a server somebody runs (not a token for a fixed service):
# that host must not be this machine or its private network (a lead must not make WeSup
# probe the server's neighbours), unless NOTIFY_PRIVATE_HOSTS lists it.
SELF_HOSTED = frozenset(
    {
        *("mmost", "mmosts", "matrix", "matrixs", "rocket", "rockets", "ntfy", "ntfys"),
        *("mailto", "mailtos", "json", "jsons", "form", "forms", "xml", "xmls"),
    }
)
# Apprise schemas a chat may use: chat and mail services reached over the network. Anything
# else is refused, above all those that act on the server itself (syslog, dbus, windows,
# macosx, file-like and script schemas).
ALLOWED_SCHEMAS = SELF_HOSTED | {
    *("tgram", "slack", "workflow", "workflows", "discord", "zulip", "gchat"),
}
GENERIC_WEBHOOKS = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
URL_MAX = 2000
TEXT_MAX = 4000  # Telegram takes 4,096 characters; a longer message is cut
BACKOFF_SECONDS = 5  # the first retry; each next one waits twice as long
BACKOFF_MAX_SECONDS = 30 * 60
RATE_LIMITED_SECONDS = 60  # a 429 that does not say how long to wait
SENDERS = 4  # messages one process sends at once
BATCH = 20  # due rows one round claims
POLL_SECONDS = 1.0  # how often the task looks for due rows when nobody woke it
# Apprise says what went wrong only in its log: a sender reads it back per thread.
HTTP_STATUS = re.compile(r"error=(\d{3})")
RETRY_AFTER = re.compile(r"retry[_-]after\W{0,4}(\d+(?:\.\d+)?)", re.IGNORECASE)


# --- addresses -------------------------------------------------------------------------------


def _private_hosts() -> set[str]:
    return {host.lower() for host in current_app.config["NOTIFY_PRIVATE_HOSTS"].split()}


def _refused_host(host: str | None) -> str | None:
    """Why a self-hosted target's host may not be reached, or None. Checked when the address
    is set and again before each send (a name may point elsewhere by then)."""
    if not host:
        return _("The address has no host.")
    host = host.strip("[]").lower()
    if host in _private_hosts():
        return None
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return _("The host %(host)s is not found.", host=host)
    for address in found:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            return _(
                "%(host)s is this server or its private network; an admin may allow it with "
                "WESUP_NOTIFY_PRIVATE_HOSTS.",
                host=host,
            )
    return None


def _plugin(url: str) -> Any:
    """Apprise's sender for one URL, never following a redirect (it could lead anywhere);
    None when Apprise cannot read the URL."""
    _load_apprise_plugins()
    plugin = apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(http_redirects=False))
    if plugin is not None:
        plugin.redirects = False  # a `redirect=yes` in the URL does not turn it back on
    return plugin


def check_url(raw: Any) -> tuple[str, str]:
    """A notification address as given (stripped) and its masked form for display; raises
    ValidationFailed (422) for anything that is not an allowed chat service's URL."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(_("The chat's address was not saved."), {"notify_url": message})

    if not isinstance(raw, str) or not validate.storable(raw):
        raise refuse(_("Use an Apprise URL such as tgram://bot-token/chat-id."))
    url = raw.strip()
    if len(url) > URL_MAX:
        raise refuse(_("At most %(n)d characters.", n=URL_MAX))
    schema = urlsplit(url).scheme.lower() if "://" in url else ""
    if schema not in ALLOWED_SCHEMAS:
        raise refuse(
            _(
                "WeSup sends to chat services only: %(schemas)s.",
                schemas=", ".join(sorted(ALLOWED_SCHEMAS)),
            )
        )
    plugin = _plugin(url)
    if plugin is None:
        raise refuse(_("Apprise cannot read this address: check it against its documentation."))
    if schema in SELF_HOSTED:
        refused = _refused_host(urlsplit(url).hostname)
        if refused:
            raise refuse(refused)
    return url, _masked(plugin.url(privacy=True))


def _masked(private: str) -> str:
    """Apprise's privacy form, shorter and safer for a page: without its options, and with
    a generic webhook's path hidden too (a secret often sits there; Apprise shows it)."""
    shown = private.split("?", 1)[0].rstrip("/")
    parts = urlsplit(shown)
    if parts.scheme in GENERIC_WEBHOOKS and parts.path.strip("/"):
        hidden = "/".join(
            f"{piece[0]}...{piece[-1]}" if len(piece) > 3 else piece
            for piece in parts.path.strip("/").split("/")
        )
        shown = f"{parts.scheme}://{parts.netloc}/{hidden}"
    return shown


# --- sending one message ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What one attempt came to: sent, or why not and how long the target asked us to wait."""

    sent: bool
    error: str | None = None
    retry_after: float | None = None
    final: bool = False  # no point in trying again (no address, an address not allowed)


class _ApprisePerThread(logging.Handler):
    """Apprise tells what went wrong only through its logger: this hands each sending thread
    the lines written while it sent, so several sends at once never mix their errors."""

    # No lock of its own: each thread touches only its own key (dict operations are atomic),
    # and a green lock would be wrong in the OS threads that send under eventlet.

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._lines: dict[int, list[logging.LogRecord]] = {}

    def listen(self) -> None:
        self._lines[threading.get_ident()] = []

    def take(self) -> list[logging.LogRecord]:
        return self._lines.pop(threading.get_ident(), [])

    def emit(self, record: logging.LogRecord) -> None:
        lines = self._lines.get(threading.get_ident())
        if lines is not None:
            lines.append(record)


@functools.cache
def _load_apprise_plugins() -> None:
    """Apprise loads its plugins on first use (a second or so), and one of them imports a
    module Python 3.11 calls deprecated: load them quietly, once, when a first address is
    read; a process that never sends never pays for them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        NotificationManager().load_modules()


@dataclass
class _Reply:
    """The last HTTP answer a sending thread got: its status and Retry-After header."""

    status: int | None = None
    retry_after: str | None = None


class _RepliesPerThread:
    """Apprise's plugins keep the HTTP answer to themselves, and a 429 says how long to wait
    in its Retry-After header (Telegram also says it in the body, which Apprise logs). This
    watches requests' `Session.send` for the threads that are sending a message, each seeing
    its own send's answer only (keyed like _ApprisePerThread, for the same reason)."""

    def __init__(self) -> None:
        self._replies: dict[int, _Reply] = {}

    def listen(self) -> None:
        _watch_requests(self.seen)
        self._replies[threading.get_ident()] = _Reply()

    def take(self) -> _Reply:
        return self._replies.pop(threading.get_ident(), _Reply())

    def seen(self, response: requests.Response) -> None:
        reply = self._replies.get(threading.get_ident())
        if reply is not None:
            reply.status = response.status_code
            reply.retry_after = response.headers.get("Retry-After")


@functools.cache
def _watch_requests(seen: Callable[[requests.Response], None]) -> None:
    """Wrap requests' Session.send once, on the first send: every answer is shown to `seen`,
    which keeps it only for a thread that is sending a message."""
    original = requests.Session.send

    def send(
        session: requests.Session, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        response = original(session, request, **kwargs)
        seen(response)
        return response

    requests.Session.send = send  # type: ignore[method-assign,assignment]


def _seconds_to_wait(header: str | None, now: datetime) -> float | None:
    """A Retry-After header in seconds: a number of seconds, or an HTTP date; None when it is
    missing or unreadable."""
    if not header:
        return None
    header = header.strip()
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


_APPRISE_LOG = _ApprisePerThread()
_REPLIES = _RepliesPerThread()
_apprise_logger = logging.getLogger(APPRISE_LOGGER)
_apprise_logger.addHandler(_APPRISE_LOG)
_apprise_logger.setLevel(logging.DEBUG)  # the body of a 429 (its retry_after) is a debug line
_apprise_logger.propagate = False  # its debug lines carry payloads: not for the server's log


def _redact(message: str, url: str) -> str:
    """An error for people to read never shows the address's secret parts (a bot token sits
    in the path of Telegram's API URL)."""
    for part in re.split(r"[/:@?&=#]+", url):
        if len(part) >= 6 and part.lower() not in ("json", "jsons", "https", "http"):
            message = message.replace(part, "…")
    return message


def _send_now(url: str, body: str, timeout: float) -> Outcome:
    """One attempt, in the calling thread (an OS thread: see _off_the_loop). It has no app
    context: an error without words of Apprise's is left None for the caller to word."""
    plugin = _plugin(url)
    if plugin is None:
        return Outcome(False, None, final=True)
    plugin.socket_connect_timeout = timeout
    plugin.socket_read_timeout = timeout
    _APPRISE_LOG.listen()
    _REPLIES.listen()
    try:
        sent = bool(plugin.notify(body=body, title=""))
    except Exception as exc:  # a plugin's own bug must not end the sender
        _APPRISE_LOG.take()
        _REPLIES.take()
        return Outcome(False, _redact(f"{type(exc).__name__}: {exc}", url))
    lines = _APPRISE_LOG.take()
    reply = _REPLIES.take()
    if sent:
        return Outcome(True)
    warnings = [r.getMessage() for r in lines if r.levelno >= logging.WARNING]
    everything = " ".join(r.getMessage() for r in lines)
    error = _redact(" ".join(warnings)[:500], url) or None
    status = HTTP_STATUS.search(" ".join(warnings))
    header = _seconds_to_wait(reply.retry_after, datetime.now(UTC))
    retry_after = None
    if reply.status == 429 or (status and status.group(1) == "429"):
        # the longest wait either the header or the body asks for
        in_body = RETRY_AFTER.search(everything)
        asked = [wait for wait in (header, in_body and float(in_body.group(1))) if wait]
        retry_after = max(asked) if asked else float(RATE_LIMITED_SECONDS)
    return Outcome(False, error, retry_after)


def _off_the_loop(work: Callable[[], Outcome], timeout: float) -> Outcome:
    """Run a send in an OS thread when a green loop serves this process (so nothing it does
    can stall the pages), giving up on it after `timeout` seconds; in threading mode here."""
    mode = serving_async_mode(current_app.config["ASYNC_MODE"])
    timed_out = Outcome(False, _("No answer in %(n)d s.", n=int(timeout)))
    if mode == "eventlet":
        import eventlet  # loaded already: the server runs on eventlet
        from eventlet import tpool

        with eventlet.Timeout(timeout, False):
            return tpool.execute(work)
        return timed_out
    if mode == "gevent":
        import gevent  # loaded already: the server runs on gevent

        with gevent.Timeout(timeout, False):
            return gevent.get_hub().threadpool.apply(work)
        return timed_out
    return work()


def _attempt(url: str | None, body: str) -> Outcome:
    """Check the address again, then send once within the configured time."""
    if not url:
        return Outcome(False, _("The chat has no address any more."), final=True)
    schema = urlsplit(url).scheme.lower()
    if schema not in ALLOWED_SCHEMAS:
        return Outcome(False, _("This kind of address is not allowed."), final=True)
    if schema in SELF_HOSTED:
        refused = _refused_host(urlsplit(url).hostname)
        if refused:
            return Outcome(False, refused, final=True)
    timeout = float(current_app.config["NOTIFY_TIMEOUT"])
    # Apprise's own socket timeouts end the thread's wait; the loop's limit is a second fence.
    outcome = _off_the_loop(lambda: _send_now(url, body, timeout), timeout * 3 + 1)
    if not outcome.sent and not outcome.error:
        outcome.error = _("The chat service refused the message.")
    return outcome


def send_test(actor: User, chat_id: int) -> Outcome:
    """ "Send test" in Directories: one message now, the answer shown to the lead at once.
    Not kept in the outbox: there is nothing to retry."""
    _require_lead(actor)
    chat = _chat(chat_id)
    if not chat.notify_url:
        raise ValidationFailed(
            _("Set the chat's address first."), {"notify_url": _("No address yet.")}
        )
    text = _("WeSup test message for %(chat)s from %(name)s.", chat=chat.name, name=actor.name)
    return _attempt(chat.notify_url, text)


# --- the outbox --------------------------------------------------------------------------------


def _require_lead(actor: User) -> None:
    """Leads and admins, and a bot whose token has the announce scope."""
    if not actor.can_edit_directories and not apitokens.may(actor, TokenScope.ANNOUNCE):
        raise Forbidden(_("Only an admin or a lead can send messages to chats."))


def _chat(chat_id: int) -> Chat:
    chat = db.session.get(Chat, chat_id)
    if chat is None:
        raise NotFound(_("Not found."))
    return chat


def queue_to_chat(
    chat: Chat, text: str, key: str, kind: str, announcement: Announcement | None = None
) -> Delivery:
    """Put one message for one chat in the outbox, in the caller's transaction, with its
    `delivery.updated` event (status queued); the caller commits, through events.publish.
    The same key twice gives the row already there."""
    existing = db.session.execute(
        sa.select(Delivery).where(Delivery.idempotency_key == key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    now = utcnow()
    delivery = Delivery(
        chat=chat,
        announcement=announcement,
        kind=kind,
        body=text[:TEXT_MAX],
        status=QUEUED,
        attempts=0,
        next_attempt_at=now,
        idempotency_key=key[:200],
        created_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    # Logged with the change: its seq comes before the change's own event, so the pages get
    # it when that one is handed out (wesup/relay.py hands out what is logged before).
    events.record(EventKind.DELIVERY_UPDATED, None, delivery=delivery.to_dict())
    wake(current_app)
    return delivery


def tell_source_chat(
    task: Task, text: str, key: str, *, kind: str = "task.resolved"
) -> Delivery | None:
    """Tell the task's source chat, if it has one with an address and the task's owner left
    "tell the chat" ticked; None when nothing is to be sent. In the caller's transaction."""
    chat = task.chat
    if chat is None or not chat.notify_url or not task.tell_chat:
        return None
    return queue_to_chat(chat, text, key, kind=kind)


def _team_words(make: Callable[[], str]) -> str:
    """A message to a chat is in the team's language (WESUP_DEFAULT_LOCALE), whoever wrote."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        return make()


def task_resolved(task: Task) -> Delivery | None:
    """The rule "a resolved task's source chat is told": its title and its last comment.
    Called by tasks.service as the task enters a done status; each resolve is one message."""

    def words() -> str:
        text = _("Resolved: %(title)s", title=task.title)
        if task.last_comment:
            text += "\n" + _("Comment: %(comment)s", comment=task.last_comment)
        return text

    return tell_source_chat(task, _team_words(words), f"task:{task.id}:resolved:{task.version}")


_DEVELOPERS_CHATS = sa.select(Chat).where(  # built once: every new task asks
    Chat.gets_new_tasks.is_(True), Chat.notify_url.is_not(None), Chat.archived_at.is_(None)
)


def task_created(task: Task) -> list[Delivery]:
    """The rule "developers hear about new tasks": every chat marked as a developers' chat
    with an address gets the new task's title and source chat."""
    chats = db.session.execute(_DEVELOPERS_CHATS).scalars().all()
    if not chats:
        return []  # most teams: no developers' chat, and no message to word

    def words() -> str:
        if task.chat is not None:
            return _("New task: %(title)s (from %(chat)s)", title=task.title, chat=task.chat.name)
        return _("New task: %(title)s", title=task.title)

    text = _team_words(words)
    return [
        queue_to_chat(chat, text, f"task:{task.id}:created:chat:{chat.id}", kind="task.created")
        for chat in chats
    ]


# --- announcements ---------------------------------------------------------------------------


_WITH_ADDRESS = sa.select(Chat).where(Chat.notify_url.is_not(None), Chat.archived_at.is_(None))


def chats_with_address() -> list[Chat]:
    """The chats an announcement can reach: active ones with an address, by id."""
    return list(db.session.execute(_WITH_ADDRESS.order_by(Chat.id)).scalars())


def _pick_chats(chat_ids: Any, errors: dict[str, str]) -> list[Chat]:
    """Every active chat with an address ("all"), or a list of ids of such chats."""
    if chat_ids == "all":
        chats = chats_with_address()
        if not chats:
            errors["chat_ids"] = _("No chat has an address yet: set one in Directories.")
        return chats
    if (
        not isinstance(chat_ids, list)
        or not chat_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in chat_ids)
        or not all(validate.in_int_range(i) for i in chat_ids)
    ):
        errors["chat_ids"] = _('Choose at least one chat, or "all".')
        return []
    wanted = sorted(set(chat_ids))
    chats = list(db.session.execute(_WITH_ADDRESS.where(Chat.id.in_(wanted))).scalars())
    if len(chats) != len(wanted):
        errors["chat_ids"] = _("Choose chats that have an address.")
    return sorted(chats, key=lambda chat: chat.id)


def announce(
    actor: User,
    text: Any,
    chat_ids: Any,
    *,
    follow_up_of: Announcement | None = None,
) -> Announcement:
    """One message to many chats: a delivery per chat, each sent and retried on its own.
    Leads and admins only."""
    _require_lead(actor)
    errors: dict[str, str] = {}
    text = validate.text({"text": text}, "text", errors, max_length=TEXT_MAX, required=True)
    chats = _pick_chats(chat_ids, errors)
    if errors or text is None:
        raise ValidationFailed(_("The announcement was not sent."), errors)
    now = utcnow()
    announcement = Announcement(
        text=text,
        author=actor,
        created_at=now,
        follow_up_of=follow_up_of.id if follow_up_of else None,
    )
    db.session.add(announcement)
    db.session.flush()
    for chat in chats:
        queue_to_chat(
            chat,
            text,
            f"announcement:{announcement.id}:chat:{chat.id}",
            "announcement",
            announcement,
        )
    db.session.refresh(announcement)  # its deliveries, in order
    event = events.record(
        EventKind.ANNOUNCEMENT_CREATED, actor, announcement=announcement.to_dict()
    )
    events.publish(event)
    wake(current_app)
    return announcement


def follow_up(actor: User, announcement_id: int, text: Any) -> Announcement:
    """The same chats again ("fixed, thank you"), in one click."""
    earlier = get_announcement(actor, announcement_id)
    return announce(
        actor, text, [delivery.chat_id for delivery in earlier.deliveries], follow_up_of=earlier
    )


def get_announcement(actor: User, announcement_id: int) -> Announcement:
    _require_lead(actor)
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


def announcements(actor: User, limit: int = 50) -> list[Announcement]:
    """The newest announcements first."""
    _require_lead(actor)
    query = sa.select(Announcement).order_by(Announcement.id.desc()).limit(limit)
    return list(db.session.execute(query).unique().scalars())


def recent_deliveries(actor: User, limit: int = 200) -> list[Delivery]:
    """The delivery log (admins): the newest messages first, whatever sent them."""
    if not actor.is_admin:
        raise Forbidden(_("Only an admin can read the delivery log."))
    query = sa.select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    return list(db.session.execute(query).unique().scalars())


# --- the sender --------------------------------------------------------------------------------


def backoff(attempt: int) -> timedelta:
    """How long to wait after the `attempt`-th failure: 5 s, 10 s, 20 s … at most 30 min."""
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS))


def _lease() -> timedelta:
    """How long a claimed row stays out of other senders' reach: longer than any attempt."""
    return timedelta(seconds=current_app.config["NOTIFY_TIMEOUT"] * 6 + 10)


def _due(now: datetime) -> list[int]:
    """Rows due now, oldest first, at most one per chat: a chat with a backlog (or one that
    hangs) takes one sender of a round, never all of them, and no chat gets two messages at
    once (Telegram takes about one a second per chat)."""
    query = (
        sa.select(Delivery.id, Delivery.chat_id)
        .where(Delivery.status.in_((QUEUED, FAILED)), Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(BATCH * 5)
    )
    first_per_chat: dict[int, int] = {}
    for delivery_id, chat_id in db.session.execute(query):
        first_per_chat.setdefault(chat_id, delivery_id)
    return sorted(first_per_chat.values())[:BATCH]


def _claim(delivery_id: int, now: datetime) -> int | None:
    """Take one due row for this sender: one conditional UPDATE, so when several processes
    reach the same row exactly one gets it. Returns the attempt's number (the token that
    _finish checks), or None when somebody else was first."""
    claimed: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status.in_((QUEUED, FAILED)),
            Delivery.next_attempt_at <= now,
        )
        .values(attempts=Delivery.attempts + 1, next_attempt_at=now + _lease())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.scalar(sa.select(Delivery.attempts).where(Delivery.id == delivery_id))


def _finish(delivery_id: int, attempt: int, outcome: Outcome) -> None:
    """Record what the attempt came to, and tell the pages (a `delivery.updated` event). Only
    the holder of this attempt may: should its lease have run out and another sender have
    claimed the row, this changes nothing."""
    now = utcnow()
    values: dict[str, Any]
    if outcome.sent:
        values = {"status": SENT, "sent_at": now, "next_attempt_at": None, "last_error": None}
    else:
        wait = backoff(attempt)
        if outcome.retry_after is not None:
            wait = timedelta(seconds=max(outcome.retry_after, 1))
        gives_up = outcome.final or attempt >= current_app.config["NOTIFY_MAX_ATTEMPTS"]
        values = {
            "status": FAILED,
            "last_error": outcome.error,
            "next_attempt_at": None if gives_up else now + wait,
        }
    done: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.attempts == attempt)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        return
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery is not None
    db.session.refresh(delivery)
    events.publish(events.record(EventKind.DELIVERY_UPDATED, None, delivery=delivery.to_dict()))


def drain_once(now: datetime | None = None) -> int:
    """One round: claim the rows due at `now`, send them (several at once), record each
    outcome. Returns how many were attempted. Needs an app context."""
    now = now or utcnow()
    claimed: list[tuple[int, int, str | None, str]] = []
    for delivery_id in _due(now):
        attempt = _claim(delivery_id, now)
        if attempt is None:
            continue
        delivery = db.session.get(Delivery, delivery_id)
        assert delivery is not None
        claimed.append((delivery_id, attempt, delivery.chat.notify_url, delivery.body))
    if not claimed:
        return 0
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def attempt_one(item: tuple[int, int, str | None, str]) -> Outcome:
        with app.app_context():
            return _attempt(item[2], item[3])

    outcomes = _together(attempt_one, claimed)
    for (delivery_id, attempt, _url, _body), outcome in zip(claimed, outcomes, strict=True):
        _finish(delivery_id, attempt, outcome)
    return len(claimed)


def _together(
    work: Callable[[tuple[int, int, str | None, str]], Outcome],
    items: Sequence[tuple[int, int, str | None, str]],
) -> list[Outcome]:
    """Run the sends side by side, SENDERS at a time: one slow chat delays no other."""
    mode = serving_async_mode(current_app.config["ASYNC_MODE"])
    if mode == "eventlet":
        import eventlet  # loaded already: the server runs on eventlet

        return list(eventlet.GreenPool(SENDERS).imap(work, items))
    if mode == "gevent":
        import gevent.pool  # loaded already: the server runs on gevent

        return list(gevent.pool.Pool(SENDERS).imap(work, items))
    with ThreadPoolExecutor(SENDERS) as pool:
        return list(pool.map(work, items))


# --- the background task ---------------------------------------------------------------------


@dataclass
class SenderState:
    """The outbox task of one app: started once; woken when a message is queued here."""

    wake: threading.Event = field(default_factory=threading.Event)
    running: bool = False


KEY = "wesup.outbox"


def init_app(app: Flask) -> None:
    app.extensions[KEY] = SenderState()


def wake(app: Flask) -> None:
    """Something was queued: look sooner than the next poll (the row shows once committed,
    and the task looks again each POLL_SECONDS anyway)."""
    state = app.extensions.get(KEY)
    if state is not None:
        state.wake.set()


def start_worker(app: Flask) -> bool:
    """Start this process's outbox task (run.py does, in every server process); once.
    False when WESUP_NOTIFY_WORKER is off or it runs already."""
    state: SenderState = app.extensions[KEY]
    if state.running or not app.config["NOTIFY_WORKER"]:
        return False
    state.running = True
    socketio.start_background_task(_send_forever, app)
    return True


def _send_forever(app: Flask) -> None:
    """Each round: send what is due; then wait to be woken, or POLL_SECONDS. A database
    hiccup must not end the task."""
    state: SenderState = app.extensions[KEY]
    while True:
        try:
            with app.app_context():
                while drain_once():  # until nothing is due
                    pass
        except Exception:
            app.logger.exception("outbox: a round of sending failed")
        state.wake.wait(POLL_SECONDS)
        state.wake.clear()
