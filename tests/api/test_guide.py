"""docs/sandbox.md's runnable example, executed as written against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert len(blocks) == 1, "the guide has one runnable example"
    return str(blocks[0])


def test_the_guide_example_runs_against_a_live_sandbox(
    live_server: Any, sandbox: Any, tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(example())
    env = {**os.environ, "BIZLINK_URL": live_server.url}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Business Centers: ['Sunrise Bakery']" in done.stdout
    assert "Refused: 40002" in done.stdout
    assert "Expired after two hours" in done.stdout
    assert "Spent in the last 7 days:" in done.stdout
