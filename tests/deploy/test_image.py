"""The container image: a clean Dockerfile, a non-root user, a read-only root filesystem, the migrations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text

from hamgam.adapters.db.engine import sync_url
from hamgam.adapters.db.migrate import alembic_config
from tests.deploy.containers import BUILD_LOG, REPO, build_image, empty_database, require_host_servers, run
from tests.services import missing

HADOLINT = Path(sys.executable).parent / "hadolint"
#: The fixed uid the Dockerfile gives the app user (Kubernetes' runAsUser names it too).
APP_UID = 10001


@pytest.fixture(scope="module")
def image() -> str:
    return build_image(BUILD_LOG)


def test_dockerfile_passes_hadolint() -> None:
    if not HADOLINT.exists():
        missing("hadolint (./scripts/setup.sh --group deploy)")
    # when
    done = run(str(HADOLINT), "Dockerfile", cwd=REPO, check=False)
    # then
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_runs_read_only_as_the_app_user(image: str) -> None:
    # when the CLI runs with a read-only root filesystem
    helped = run("podman", "run", "--rm", "--read-only", image, "--help")
    uid = run("podman", "run", "--rm", "--read-only", "--entrypoint", "id", image, "-u")
    # then it answers, as the fixed non-root uid
    assert "migrate" in helped.stdout and "exporter" in helped.stdout
    assert int(uid.stdout.strip()) == APP_UID


def test_image_holds_the_installed_package_not_the_source(image: str) -> None:
    # when
    found = run(
        "podman",
        "run",
        "--rm",
        "--read-only",
        "--entrypoint",
        "python",
        image,
        "-c",
        "import hamgam, hamgam_sim, hamgam.entrypoints.web as web, json, pathlib; "
        "print(hamgam.__file__); print(hamgam_sim.__file__); "
        "print(json.dumps([p.name for p in pathlib.Path(web.__file__).parent.iterdir()]))",
    )
    listing = run("podman", "run", "--rm", "--read-only", "--entrypoint", "ls", image, "-A", "/opt/app", "/")
    # then the installed package (with its templates, static files and translations) is what runs
    package, simulators, web_files = found.stdout.splitlines()
    assert package == "/opt/app/hamgam/__init__.py" and simulators == "/opt/app/hamgam_sim/__init__.py"
    assert {"templates", "static", "locale"} <= set(json.loads(web_files))
    # and no source tree, tests or lock file came along
    assert not {"src", "tests", "uv.lock", "pyproject.toml"} & set(listing.stdout.split())


def test_migrate_runs_in_a_read_only_container(image: str) -> None:
    require_host_servers()
    with empty_database("hamgam_image") as database_url:
        # when `hamgam migrate` runs in a read-only container against a database with no schema
        done = run(
            "podman",
            "run",
            "--rm",
            "--read-only",
            "--network",
            "host",
            "-e",
            f"HAMGAM_DATABASE_URL={database_url}",
            image,
            "migrate",
            timeout_s=180,
            check=False,
        )
        # then it exits 0 with the schema at the newest revision
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        finally:
            engine.dispose()
        assert revision == head
