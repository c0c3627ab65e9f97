"""The bell between server processes: "the event log grew to seq N", over Redis pub/sub.

It carries no event: a process that hears it reads the log itself (wesup/relay.py), so a
ring that is lost while Redis is stopped, restarting or hung costs a few seconds, not an
event. Nothing here ever makes a caller wait on Redis: `ring()` only notes the seq, and one
background task per process (`send_forever`) publishes it with short timeouts.

Pub/sub channels are shared by every database number of a Redis server, so the channel
carries the number of the database in the URL: installations (and test runs) that share one
Redis through different database numbers do not hear each other.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2  # a hung Redis holds the sender or the listener no longer than this
RETRY_SECONDS = 1  # how soon the listener tries again after Redis went away
LISTEN_SECONDS = 10  # the listener's longest wait for a ring before it starts a new one
# One attempt per call: the loops here retry on their own schedule, and redis-py's own retries
# (three, with backoff) would hold a ring or a reconnect for many seconds on a hung Redis.
ONE_ATTEMPT = Retry(NoBackoff(), 0)


def redis_channel(url: str | None, name: str) -> str:
    """`name` made unique to the database number of a Redis URL ("wesup.log.3"); other
    queues keep the name as it is."""
    if not url or not url.startswith(("redis://", "rediss://")):
        return name
    database = redis.connection.parse_url(url).get("db", 0)
    return f"{name}.{database}"


class LogBell:
    """Ring the other processes when this one wrote; hear them when they did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.channel = redis_channel(url, "wesup.log")
        self.me = uuid.uuid4().hex.encode()  # a process does not wake itself with its own ring
        self._sender = redis.Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            retry=ONE_ATTEMPT,
        )
        self._pending = 0  # the newest seq not rung yet (0: nothing to ring)
        self._pending_lock = threading.Lock()
        self._wanted = threading.Event()
        self._pubsub: redis.client.PubSub | None = None
        self._lost = False  # Redis was unreachable; say so once, and once when it is back
        self.sending = False

    # --- ringing ---------------------------------------------------------------------------

    def ring(self, seq: int) -> None:
        """Note that the log reached `seq`; returns at once. Rings not yet sent merge."""
        with self._pending_lock:
            self._pending = max(self._pending, seq)
        self._wanted.set()

    def send_forever(self) -> None:
        """The one task that publishes this process's rings (started by wesup/relay.py)."""
        while True:
            self._wanted.wait()
            self._wanted.clear()
            with self._pending_lock:
                seq, self._pending = self._pending, 0
            if seq:
                self.send(seq)

    def send(self, seq: int) -> bool:
        """Publish one ring; False when Redis did not take it (the others will read the log
        on their next round anyway)."""
        try:
            self._sender.publish(self.channel, b"%s %d" % (self.me, seq))
        except redis.RedisError as exc:
            self._went_away(exc)
            return False
        self._came_back()
        return True

    # --- hearing ---------------------------------------------------------------------------

    def listen_forever(self, on_ring: Callable[[], None]) -> None:
        """The one task that hears the other processes' rings (started by wesup/relay.py)."""
        while True:
            if self.wait(LISTEN_SECONDS):
                on_ring()

    def wait(self, timeout: float) -> bool:
        """Block until another process rings (True) or `timeout` seconds pass (False).

        When Redis is unreachable this returns False after RETRY_SECONDS (or `timeout`, if
        shorter), and the next call tries again.
        """
        try:
            pubsub = self._subscribed()
            heard = [pubsub.get_message(timeout=timeout)]
            while heard[-1] is not None:  # several rings since: one read of the log serves all
                heard.append(pubsub.get_message(timeout=0))
        except redis.RedisError as exc:
            self._went_away(exc)
            self._close()
            time.sleep(min(timeout, RETRY_SECONDS))
            return False
        self._came_back()
        return any(ring["data"].split(b" ", 1)[0] != self.me for ring in heard if ring)

    def _subscribed(self) -> redis.client.PubSub:
        if self._pubsub is None:
            # get_message() bounds the wait for a ring; the timeout bounds everything else
            # (connecting, subscribing) on a hung Redis.
            listener = redis.Redis.from_url(
                self.url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
                socket_keepalive=True,
                retry=ONE_ATTEMPT,
            )
            pubsub = listener.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
            except redis.RedisError:
                pubsub.close()
                listener.close()
                raise
            self._pubsub = pubsub
        return self._pubsub

    def _close(self) -> None:
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except redis.RedisError:  # already broken; nothing to release
                pass
            self._pubsub = None

    def _went_away(self, exc: Exception) -> None:
        if not self._lost:
            log.warning(
                "Redis unreachable (%s): server processes read the event log every "
                "few seconds until it is back",
                exc,
            )
        self._lost = True

    def _came_back(self) -> None:
        if self._lost:
            log.info("Redis is back: server processes ring each other again")
        self._lost = False
