"""Two SQLite figures for docs/PERFORMANCE.md: how long `flask … backup` takes on a large
database while another connection keeps committing, and what WESUP_SQLITE_SYNCHRONOUS
costs per commit (NORMAL, FULL, EXTRA under WAL).

    .venv/bin/python bench/backup.py [--rows 100000] [--commits 500] [--folder /tmp]

Uses a temporary folder (on the disk under test: pass --folder) and removes it afterwards.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from wesup.backup import backup_sqlite
from wesup.config import SQLITE_SYNCHRONOUS_LEVELS

ROW = "x" * 1000  # about the size of a task with a description


def build(path: Path, rows: int) -> None:
    """A WAL database of `rows` rows of 1 kB."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)")
        connection.executemany("INSERT INTO t (body) VALUES (?)", ((ROW,) for _ in range(rows)))
    connection.close()


def backup_while_writing(path: Path) -> dict[str, float]:
    """Time one backup while another connection commits one row after another."""
    stop = threading.Event()
    commits = [0]

    def write() -> None:
        writer = sqlite3.connect(path, timeout=30)
        while not stop.is_set():
            writer.execute("INSERT INTO t (body) VALUES (?)", (ROW,))
            writer.commit()
            commits[0] += 1
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.5)
    before = commits[0]
    started = time.perf_counter()
    pages = backup_sqlite(path, path.with_name("copy.sqlite3"))
    seconds = time.perf_counter() - started
    during = commits[0] - before
    stop.set()
    thread.join()
    return {"mb": path.stat().st_size / 1e6, "pages": pages, "seconds": seconds, "commits": during}


def commit_cost(path: Path, level: str, commits: int) -> float:
    """Milliseconds per single-row commit at this PRAGMA synchronous level, under WAL."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={level}")
    started = time.perf_counter()
    for _ in range(commits):
        connection.execute("INSERT INTO t (body) VALUES (?)", (ROW,))
        connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed / commits * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--folder", default=None, help="where the database goes (its disk)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = Path(folder) / "bench.sqlite3"
        build(path, args.rows)
        result = backup_while_writing(path)
        print(
            f"backup: {result['mb']:.0f} MB, {result['pages']} pages in {result['seconds']:.2f} s;"
            f" another connection committed {result['commits']} times meanwhile"
        )
        for level in SQLITE_SYNCHRONOUS_LEVELS:
            cost = commit_cost(path, level, args.commits)
            print(f"synchronous={level}: {cost:.2f} ms per commit")


if __name__ == "__main__":
    main()
