"""A replayed jti is caught across worker processes sharing one database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import NOW, claims, ec_key, jwks, token

REPO = Path(__file__).resolve().parents[2]


def start_worker(job: dict, job_file: Path) -> subprocess.Popen:
    job_file.write_text(json.dumps(job))
    with job_file.open() as stdin:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.auth.replay_worker"],
            cwd=REPO, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )


@pytest.mark.parametrize("same_token", [True, False])
def test_two_processes_accept_a_token_only_once(tmp_path, same_token, database_url):
    key = ec_key()
    first = token(key, claims(jti="shared-jti"))
    second = first if same_token else token(key, claims(jti="shared-jti"))
    start_at = time.time() + 3.0  # both interpreters are up by then, so they race on the insert
    base = {"database_url": database_url, "jwks": jwks(key), "now": NOW, "start_at": start_at}
    procs = [start_worker({**base, "token": tok}, tmp_path / f"job{i}.json") for i, tok in enumerate((first, second))]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(out.strip())
    assert sorted(outputs) == ["accepted", "rejected: replayed jti"]
