"""Helpers for the rule tests: a detector model file that runs the interference rules alone.

``mtcheck check`` with the shipped model runs every trained signal (spaCy, MiniLM...), which a unit
test must not load; a model over the interference rules only runs just them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


def interference_model_file(path: Path, without: str | None = None) -> Path:
    """A trained-looking interference-only model file: the rules' declared weights (those registered
    now), less the feature ``without``. A rule registered later has no weight in it."""
    from mtcheck.detect.classifier import provisional_model

    data = json.loads(dataclasses.replace(provisional_model(), name="trained").to_json())
    sentence = data["sentence"]
    keep = [i for i, name in enumerate(sentence["features"]) if name != without]
    for key in ("features", "coef", "mean", "scale"):
        if sentence.get(key):
            sentence[key] = [sentence[key][i] for i in keep]
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
