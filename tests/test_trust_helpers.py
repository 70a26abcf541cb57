"""Helpers for tests/test_trust_boundaries.py that spawned audit workers import (kept light; no tests here).

``slow_factory`` builds a stand-in pipeline whose worker writes its pid to ``$MTCHECK_TEST_PIDS``
once it is up and then takes minutes per article: an audit driver killed while its workers are
busy must not leave them running.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from test_audit_helpers import FakePipeline


class SlowPipeline(FakePipeline):
    def check_document(self, document, sentences):
        time.sleep(300)
        return super().check_document(document, sentences)


def slow_factory(config) -> SlowPipeline:
    folder = os.environ.get("MTCHECK_TEST_PIDS")
    if folder:
        (Path(folder) / str(os.getpid())).write_text("up", encoding="utf-8")
    return SlowPipeline(config)


SLOW = "test_trust_helpers:slow_factory"
