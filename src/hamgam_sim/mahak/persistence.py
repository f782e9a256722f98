"""The simulated Mahak database on disk: kept across restarts, and named snapshots that can be restored.

A real Mahak lives in SQL Server and survives a restart; a merchant may also restore it from a backup, which
rewinds its RowVersion counter below what clients have already seen. The simulator reproduces both: with a
data directory its state is loaded at start and saved whenever it changed (and at shutdown), and
``snapshot``/``restore`` capture and bring back a whole database, RowVersion counter included.

The files are pickles written by this process for this process (a local test double, never untrusted input).
"""

from __future__ import annotations

import os
import pickle
import re
import threading
from pathlib import Path
from typing import Any

from hamgam_sim.mahak.stock import StockLedger
from hamgam_sim.mahak.store import Database

STATE_FILE = "state.pickle"
SNAPSHOT_DIR = "snapshots"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def capture(db: Database, stock: StockLedger) -> bytes:
    """Everything a restart or a restore must bring back: every table with its change log, the counter, the
    stock moves not yet applied."""
    tables = {
        name: {
            "rows": table.rows,
            "log_rv": table._log_rv,
            "log_id": table._log_id,
            "dead_entries": table._dead_entries,
            "next_id": table.next_id,
        }
        for name, table in db.tables.items()
    }
    state = {"tables": tables, "next_rv": db.next_row_version, "stock": stock._pending}
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def rebuild(blob: bytes) -> tuple[Database, StockLedger]:
    """A fresh database and stock ledger from ``capture``'s bytes (lookup indexes are rebuilt on first use)."""
    state = pickle.loads(blob)  # written by this simulator (module docstring)
    db = Database(first_row_version=state["next_rv"])
    for name, saved in state["tables"].items():
        table = db[name]
        table.rows = dict(saved["rows"])
        table._log_rv = saved["log_rv"]
        table._log_id = saved["log_id"]
        table._dead_entries = saved["dead_entries"]
        table.next_id = saved["next_id"]
    stock = StockLedger()
    stock._pending = list(state["stock"])
    return db, stock


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("a snapshot name is 1-64 letters, digits, '.', '_' or '-'")
    return name


class Snapshots:
    """Named snapshots, in memory and (with a data directory) on disk so they survive a restart too."""

    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir
        self._memory: dict[str, bytes] = {}

    def put(self, name: str, blob: bytes) -> None:
        self._memory[check_name(name)] = blob
        if self.state_dir is not None:
            write_atomically(self.state_dir / SNAPSHOT_DIR / f"{name}.pickle", blob)

    def get(self, name: str) -> bytes:
        check_name(name)
        if name not in self._memory and self.state_dir is not None:
            path = self.state_dir / SNAPSHOT_DIR / f"{name}.pickle"
            if path.exists():
                self._memory[name] = path.read_bytes()
        if name not in self._memory:
            raise KeyError(f"no snapshot named {name!r}; known: {self.names()}")
        return self._memory[name]

    def names(self) -> list[str]:
        names = set(self._memory)
        if self.state_dir is not None and (self.state_dir / SNAPSHOT_DIR).is_dir():
            names.update(p.stem for p in (self.state_dir / SNAPSHOT_DIR).glob("*.pickle"))
        return sorted(names)


def write_atomically(path: Path, blob: bytes) -> None:
    """Write ``blob`` so a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class AutoSaver:
    """Saves the simulator's state to its data directory every ``every_s`` seconds when it changed."""

    def __init__(self, save: Any, fingerprint: Any, every_s: float = 1.0) -> None:
        self._save = save
        self._fingerprint = fingerprint
        self._every_s = every_s
        self._stop = threading.Event()
        self._saved: Any = fingerprint()
        self._thread = threading.Thread(target=self._loop, name="mahak-sim-autosave", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            self.flush()

    def flush(self) -> None:
        current = self._fingerprint()
        if current != self._saved:
            self._save()
            self._saved = current

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.flush()
