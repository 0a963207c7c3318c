"""The interactive screen, driven as a user would: the real program on a pseudo-terminal,
single key presses, a kill mid-session, a restart, and an undo after the restart."""

from __future__ import annotations

import os
import re
import select as select_module
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from provenance.ingest import ingest
from provenance.linking.store import link_pending
from provenance.storage.db import initialise, open_database
from provenance.storage.models import ReviewDecision, Variant

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """The review program on a pty: keys in, screen text (ANSI stripped) out."""

    def __init__(self, url: str) -> None:
        master, slave = os.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "160", "LINES": "60"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "provenance",
                "--db",
                url,
                "review",
                "--session",
                "desk",
                "--reviewer",
                "pat",
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.screen = ""

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.screen):
                return self.screen
            ready, _, _ = select_module.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
                self.screen += ANSI.sub("", chunk)
        raise AssertionError(f"never saw {pattern!r}; screen:\n{self.screen[-3000:]}")

    def press(self, key: str) -> None:
        self.screen = ""
        os.write(self.master, key.encode())

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        os.close(self.master)

    def finish(self) -> int:
        code = self.process.wait(20)
        os.close(self.master)
        return code


def _decisions(url: str) -> list[tuple[str, int | None]]:
    database = open_database(url)
    with database.session() as session:
        rows = [
            (d.decision, d.undoes_id)
            for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id))
        ]
    database.dispose()
    return rows


def _smith_quotes(url: str) -> int:
    database = open_database(url)
    with database.session() as session:
        quotes = {
            v.quote_id
            for v in session.scalars(select(Variant).where(Variant.wording.like("This is%")))
        }
    database.dispose()
    return len(quotes)


def test_kill_resume_and_undo_after_restart(sqlite_url: str) -> None:
    database, _, _ = initialise(sqlite_url)
    ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv")
    link_pending(database)
    database.dispose()
    split = _smith_quotes(sqlite_url)

    term = Terminal(sqlite_url)
    term.wait_for(r"1 of \d+ · conflict")
    term.wait_for(r"> ")
    term.press("1")  # the first wording's speaker said it
    term.wait_for(r"saved: choose_speaker")
    term.wait_for(r"of \d+ · drift")
    term.wait_for(r"> ")
    term.press("s")  # same utterance
    term.wait_for(r"saved: same_utterance")
    term.wait_for(r"of \d+ · \w+ · item")
    term.kill()  # mid-session, a screen open: nothing decided may be lost
    assert _decisions(sqlite_url) == [("choose_speaker", None), ("same_utterance", None)]
    assert _smith_quotes(sqlite_url) < split

    term = Terminal(sqlite_url)
    term.wait_for(r"3 of \d+")  # resumes at the next open item
    term.wait_for(r"> ")
    term.press("u")  # undo works after the restart: the drift decision is reverted
    term.wait_for(r"undone: same_utterance")
    term.wait_for(r"of \d+ · drift")  # and its item comes back
    term.wait_for(r"> ")
    term.press("q")
    term.wait_for(r"bye")
    assert term.finish() == 0
    decisions = _decisions(sqlite_url)
    assert [d for d, _ in decisions] == ["choose_speaker", "same_utterance", "undo"]
    assert decisions[2][1] is not None
    assert _smith_quotes(sqlite_url) == split
