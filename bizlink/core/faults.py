"""Test-only fault injection: hold a transaction open so a test can kill the process inside it.

`pause("unlink")` is called at the end of `links.actions.end_links`, after every write of the
unlink and before its transaction commits. It does nothing unless `settings.FAULT_PAUSE_FILE`
is set, which settings only allow with DEBUG on (the env var BIZLINK_FAULT_PAUSE_FILE; never set
in production). When set, the first process to reach a pause point creates that file (atomically,
so the fault fires once), writes "<point> <pid>" into it, and sleeps FAULT_PAUSE_SECONDS: long
enough for tests/faults to `kill -9` it mid-transaction. Later calls find the file and return.
"""

from __future__ import annotations

import os
import time

from django.conf import settings


def pause(point: str) -> None:
    """Sleep inside the caller's transaction once, if a test asked for it."""
    path = getattr(settings, "FAULT_PAUSE_FILE", "")
    if not path:
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # fired already: the restarted process runs normally
    with os.fdopen(fd, "w") as marker:
        marker.write(f"{point} {os.getpid()}\n")
    time.sleep(float(getattr(settings, "FAULT_PAUSE_SECONDS", 60)))
