"""Who is online: the people who work tasks with WeSup open, several tabs counted once.

One process counts its own sockets. With several processes (a Redis message queue), each
also keeps its people under a Redis key of its own with a short expiry, refreshed by the
housekeeping loop; everyone's list is the union of those keys, and a process that dies
drops out when its key expires.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import redis

log = logging.getLogger(__name__)


class SharedPresence:
    """The other server processes' people, through Redis."""

    PREFIX = "wesup:presence:"
    EXPIRE_SECONDS = 30  # three housekeeping rounds: a dead process is gone within this

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2)
        self.key = self.PREFIX + uuid.uuid4().hex

    def publish(self, people: dict[int, str]) -> None:
        """Replace this process's entry and restart its expiry."""
        try:
            with self._redis.pipeline() as pipe:
                pipe.delete(self.key)
                if people:
                    pipe.hset(self.key, mapping={str(uid): name for uid, name in people.items()})
                    pipe.expire(self.key, self.EXPIRE_SECONDS)
                pipe.execute()
        except redis.RedisError:
            log.warning("presence: Redis unreachable; showing this process's people only")

    def others(self) -> dict[int, str]:
        """The people the other live processes hold."""
        found: dict[int, str] = {}
        try:
            for key in self._redis.scan_iter(match=self.PREFIX + "*", count=100):
                if key != self.key:
                    people = self._redis.hgetall(key).items()
                    found.update({int(uid): str(name) for uid, name in people})
        except redis.RedisError:
            log.warning("presence: Redis unreachable; showing this process's people only")
        return found


class Presence:
    """Sockets by id, so a socket leaves exactly what it joined and a repeated disconnect
    changes nothing; people counted once however many tabs they have."""

    def __init__(self, shared: SharedPresence | None = None) -> None:
        """shared: the other processes' people too (None: this process alone)."""
        self._lock = threading.Lock()
        self._sockets: dict[str, tuple[int, str]] = {}  # sid -> (user id, name)
        self._shared = shared
        self.refresh()

    def _local(self) -> dict[int, str]:
        with self._lock:
            return {uid: name for uid, name in self._sockets.values()}

    def _everyone(self) -> dict[int, str]:
        people = self._local()
        if self._shared is not None:
            people = {**self._shared.others(), **people}
        return people

    def refresh(self) -> None:
        """Publish this process's people (and restart their expiry)."""
        if self._shared is not None:
            self._shared.publish(self._local())

    def join(self, sid: str, user_id: int, name: str) -> bool:
        """Count a socket in; True when the person just came online."""
        was_online = user_id in self._everyone()
        with self._lock:
            if sid in self._sockets:
                return False
            self._sockets[sid] = (user_id, name)
        self.refresh()
        return not was_online

    def leave(self, sid: str) -> bool:
        """Count a socket out; True when the person's last tab (on any process) closed."""
        with self._lock:
            gone = self._sockets.pop(sid, None)
        if gone is None:
            return False
        self.refresh()
        return gone[0] not in self._everyone()

    def online_ids(self) -> set[int]:
        """Ids of the people online now."""
        return set(self._everyone())

    def online(self) -> list[dict[str, Any]]:
        """[{id, name}] of the people online now, by name."""
        people = self._everyone()
        return sorted(
            ({"id": uid, "name": name} for uid, name in people.items()),
            key=lambda person: person["name"].lower(),
        )
