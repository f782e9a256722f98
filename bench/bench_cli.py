"""How fast the ``hamgam`` command line answers: ``--help``, ``sync --help``, and commands up to their work.

Each case runs the CLI in a fresh subprocess ``--runs`` times and reports the median and spread of the wall time,
the median CPU time (user + system: steadier than the wall time on a loaded machine), and (from one extra run
under ``python -X importtime``) how many modules it imported. Baselines measured in the
same run, in interleaved rounds so that the machine's load touches them alike:

- ``python -c pass``: the interpreter alone;
- the same cases on an older checkout of the sources (``--before``, a commit; its ``src`` is exported with
  ``git archive`` and put first on ``PYTHONPATH``).

"Up to its work" is measured with a database that refuses connections (``127.0.0.1:1``): the command imports
what it needs, reads the settings, and stops with a one-line error at its first connection (before the change,
with a traceback). ``sync status`` opens only the engine; ``sync run`` builds the whole container. The whole
``sync status`` is also timed on a real, empty database already migrated (one per version, on ``--server``):
its figure includes the schema check and the status queries.

Usage: ``.venv/bin/python bench/bench_cli.py --runs 7 --before fd7446d`` (PostgreSQL at 127.0.0.1). Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFUSED_DATABASE = "postgresql://postgres@127.0.0.1:1/hamgam"
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Timed on a migrated database rather than the refused one.
WHOLE_STATUS = "hamgam sync status (whole command, migrated empty database)"
CLI = "import sys; sys.argv[0] = 'hamgam'; from hamgam.entrypoints.cli import app; app()"
CASES: dict[str, list[str]] = {
    "hamgam --help": ["--help"],
    "hamgam sync --help": ["sync", "--help"],
    "hamgam sync status (to its first connection)": ["sync", "status"],
    "hamgam sync run (to its first connection)": ["sync", "run", "--entity", "stores"],
    "hamgam dlq list (to its first connection)": ["dlq", "list"],
    "hamgam mahak test (to its first connection)": ["mahak", "test"],
    "hamgam admin create (to its first connection)": [
        "admin",
        "create",
        "--mobile",
        "09121234567",
        "--password",
        "bench-passphrase",
    ],
    "hamgam migrate (to its first connection)": ["migrate"],
    WHOLE_STATUS: ["sync", "status"],
}


def environment(src: Path | None, database_url: str = REFUSED_DATABASE) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMGAM_")}
    env["HAMGAM_DATABASE_URL"] = database_url
    env["HAMGAM_MAHAK__BASE_URL"] = "http://127.0.0.1:1/API/v3"
    env["COLUMNS"] = "100"
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def command(args: list[str] | None) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, "-c", CLI, *args]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and CPU time (user + system) of one run: on a loaded machine the CPU time is the steadier one."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def modules_imported(cmd: list[str], env: dict[str, str]) -> int:
    result = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True)
    return sum(1 for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line) - 1


def migrated_database(name: str, src: Path) -> str:
    """A fresh database on ``SERVER`` migrated by the sources measured (each version by its own migrations)."""
    admin = SERVER.replace("postgresql://", "postgresql+psycopg://")
    migrate = (
        "import sys; from sqlalchemy import create_engine, pool, text; "
        f"e = create_engine({admin!r}, poolclass=pool.NullPool, isolation_level='AUTOCOMMIT'); c = e.connect(); "
        f"c.execute(text('DROP DATABASE IF EXISTS {name}')); c.execute(text('CREATE DATABASE {name}')); c.close(); "
        "from hamgam.adapters.db.migrate import upgrade_to_head; upgrade_to_head(sys.argv[1])"
    )
    url = SERVER.rsplit("/", 1)[0] + "/" + name
    subprocess.run([sys.executable, "-c", migrate, url], env=environment(src), check=True, capture_output=True)
    return url


def drop_database(name: str) -> None:
    admin = SERVER.replace("postgresql://", "postgresql+psycopg://")
    drop = (
        "from sqlalchemy import create_engine, pool, text; "
        f"e = create_engine({admin!r}, poolclass=pool.NullPool, isolation_level='AUTOCOMMIT'); c = e.connect(); "
        f"c.execute(text('DROP DATABASE IF EXISTS {name} WITH (FORCE)'))"
    )
    subprocess.run([sys.executable, "-c", drop], check=True, capture_output=True)


def export_sources(commit: str, into: Path) -> Path:
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_s": round(statistics.median(ordered), 3),
        "min_s": round(ordered[0], 3),
        "max_s": round(ordered[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--before", help="commit whose sources are measured as the baseline")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="sources measured as 'after'")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        versions: dict[str, Path] = {"after": args.src}
        if args.before:
            versions["before"] = export_sources(args.before, Path(tmp))
        databases = {version: migrated_database(f"bench_cli_{version}", src) for version, src in versions.items()}
        load_before = os.getloadavg()
        samples: dict[str, dict[str, list[float]]] = {v: {name: [] for name in CASES} for v in versions}
        baseline: list[float] = []
        baseline_cpu: list[float] = []
        cpu_samples: dict[str, dict[str, list[float]]] = {v: {name: [] for name in CASES} for v in versions}
        outcome: dict[str, dict[str, Any]] = {v: {} for v in versions}
        for _ in range(args.runs):  # interleaved: a burst of load touches every case alike
            wall, cpu, _ = timed(command(None), environment(None))
            baseline.append(wall)
            baseline_cpu.append(cpu)
            for version, src in versions.items():
                for name, cli_args in CASES.items():
                    database = databases[version] if name == WHOLE_STATUS else REFUSED_DATABASE
                    seconds, cpu, result = timed(command(cli_args), environment(src, database))
                    samples[version][name].append(seconds)
                    cpu_samples[version][name].append(cpu)
                    outcome[version][name] = {
                        "exit_code": result.returncode,
                        "stderr_lines": len(result.stderr.splitlines()),
                        "traceback": "Traceback" in result.stderr,
                    }
        report: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            "runs": args.runs,
            "before_commit": args.before,
            "python -c pass": {**summary(baseline), "cpu_median_s": round(statistics.median(baseline_cpu), 3)},
        }
        for version, src in versions.items():
            report[version] = {
                name: {
                    **summary(samples[version][name]),
                    "cpu_median_s": round(statistics.median(cpu_samples[version][name]), 3),
                    "modules": modules_imported(
                        command(cli_args),
                        environment(src, databases[version] if name == WHOLE_STATUS else REFUSED_DATABASE),
                    ),
                    **outcome[version][name],
                }
                for name, cli_args in CASES.items()
            }
        for version in versions:
            drop_database(f"bench_cli_{version}")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
