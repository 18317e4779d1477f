"""`AnalyticsTracker`: what a chat back end calls during a session (the old system's name).

Messages, topics, actions and flags are stored as they happen, in short transactions of their own,
so a crash loses nothing already recorded. Closing hands the analytics computation to an
`AnalyticsWriter` thread, so the chat never waits for it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from data import recording
from data.recording import Closing

log = logging.getLogger(__name__)

_STOP = object()


def utcnow() -> datetime:
    return datetime.now(UTC)


class AnalyticsWriter:
    """A background thread that saves analytics rows for closed sessions.

    Everything it accepts is written: database errors are retried with backoff, and `shutdown`
    drains the queue before it returns. Sessions whose close was never written (a killed process)
    stay open with all their data, and a later close computes their analytics the same way.
    """

    def __init__(self, engine: Engine, *, batch_size: int = 200, retry_seconds: float = 0.5) -> None:
        self._engine = engine
        self._queue: queue.Queue = queue.Queue()
        self._batch_size = batch_size
        self._retry_seconds = retry_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="analytics-writer", daemon=True)
        self._thread.start()

    def submit(self, closing: Closing) -> None:
        """Queue a session to be closed; returns at once."""
        if self._stopping.is_set():
            raise RuntimeError("the analytics writer is shut down")
        self._queue.put(closing)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written; False if `timeout` ran out first."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def shutdown(self, timeout: float | None = 30.0) -> bool:
        """Write everything queued, then stop the thread; True when the queue was drained."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def pending(self) -> int:
        """Closings accepted but not yet written (approximate while the thread runs)."""
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch: list[Closing] = []
            markers: list[threading.Event] = []
            stop = False
            while True:
                if item is _STOP:
                    stop = True
                elif isinstance(item, threading.Event):
                    markers.append(item)
                else:
                    batch.append(item)
                if len(batch) >= self._batch_size:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write(batch)
            for marker in markers:
                marker.set()
            if stop and self._queue.empty():
                return

    def _write(self, batch: list[Closing]) -> None:
        delay = self._retry_seconds
        while True:
            try:
                with self._engine.begin() as conn:
                    recording.close_sessions(conn, batch)
                return
            except OperationalError as exc:
                # The database is away or locked: wait for it rather than drop what was accepted.
                log.warning("analytics writer: database unavailable (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
            except DBAPIError:
                # A data problem: retrying cannot help, and one bad row must not block the others.
                self._write_each(batch)
                return

    def _write_each(self, batch: list[Closing]) -> None:
        for closing in batch:
            try:
                with self._engine.begin() as conn:
                    recording.close_sessions(conn, [closing])
            except DBAPIError:
                log.exception("analytics writer: could not close session %s", closing.session_id)


class AnalyticsTracker:
    """Records one chat session; create it with `AnalyticsTracker.start(...)`."""

    def __init__(
        self,
        engine: Engine,
        writer: AnalyticsWriter,
        session_id: str,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.session_id = session_id
        self._clock = clock
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def start(
        cls,
        engine: Engine,
        writer: AnalyticsWriter,
        *,
        user_id: int | None = None,
        user_type: str | None = None,
        session_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> AnalyticsTracker:
        """Open a new session (anonymous unless a user is given) and return its tracker."""
        tracker = cls(engine, writer, session_id or str(uuid.uuid4()), clock=clock)
        with engine.begin() as conn:
            recording.start_session(
                conn, session_id=tracker.session_id, at=clock(), user_type=user_type, user_id=user_id
            )
        return tracker

    @property
    def closed(self) -> bool:
        return self._closed

    def record_message(
        self,
        sender_type: str,
        content: str,
        *,
        processing_time_ms: float | None = None,
        cached: bool = False,
        metadata: dict | list | None = None,
    ) -> str:
        """Store a message now and return its id."""
        with self.engine.begin() as conn:
            return recording.record_message(
                conn,
                session_id=self.session_id,
                sender_type=sender_type,
                content=content,
                at=self._clock(),
                processing_time_ms=processing_time_ms,
                cached=cached,
                metadata=metadata,
            )

    def record_topic(self, topic: str) -> None:
        """Note a topic the conversation touched (each topic is kept once)."""
        with self.engine.begin() as conn:
            recording.record_topic(conn, session_id=self.session_id, topic=topic, at=self._clock())

    def record_action(self, action_type: str, target: str | None = None) -> None:
        """Note a user action such as a link click or a service view."""
        with self.engine.begin() as conn:
            recording.record_action(
                conn, session_id=self.session_id, action_type=action_type, target=target, at=self._clock()
            )

    def set_satisfaction(self, rating: int) -> None:
        """Store the user's 1-5 rating (also accepted after close)."""
        with self.engine.begin() as conn:
            recording.set_satisfaction(conn, session_id=self.session_id, rating=rating, at=self._clock())

    def mark_resolved(self, resolved: bool = True) -> None:
        """Record whether the user's issue was resolved."""
        with self.engine.begin() as conn:
            recording.set_resolved(conn, session_id=self.session_id, resolved=resolved, at=self._clock())

    def mark_escalated(self) -> None:
        """Record that the session was handed to a human."""
        with self.engine.begin() as conn:
            recording.mark_escalated(conn, session_id=self.session_id, at=self._clock())

    def close(self) -> None:
        """End the session; its analytics row is saved in the background. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.writer.submit(Closing(self.session_id, self._clock()))

    def disconnect(self) -> None:
        """The connection dropped: close the session the same way (harmless after `close`)."""
        self.close()
