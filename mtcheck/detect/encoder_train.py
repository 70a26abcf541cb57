"""``mtcheck train --encoder``: fine-tune MiniLM with a LoRA adapter and a linear head to tell
machine-translated from English-written sentences, on the ``style`` signal's masked view.

Data: the development sets of :mod:`mtcheck.detect.data` (WMT22 MT of every system and MLQE-PE MT
against WMT22 English originals and BBC News), split by document as ``mtcheck train`` splits them:
the validation documents are never trained, tuned or calibrated on. The training documents are
split once more by document (``CALIBRATION_SHARE``) into the documents fitted on and those that
choose the epoch, fit the calibration and the explanation threshold. Within each class every source
weighs its ``SOURCE_SHARES`` part (:func:`mtcheck.detect.train.source_weights`), so the 366 WMT22
English-original training sentences are not drowned by 6,000 BBC ones.

Validation (sentences alone, validation documents): AUROC and recall at FPR <= 3% for WMT22 MT
against WMT22 English originals and against BBC, each MT system's AUROC against the WMT22
originals. ``leave_out`` trains without some MT systems' sentences, so those systems' validation
figures are held out (``worst_held_out_system``).

CPU only: torch on ``THREADS`` threads, fixed seeds; a rerun on the same machine gives the same
files.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from pathlib import Path
from typing import Callable, Sequence

from mtcheck.detect.data import Example, _unit, all_examples, data_dir, subsample
from mtcheck.detect.encoder_model import (
    ADAPTER_FILES,
    FORMAT,
    HEAD_FILE,
    MANIFEST,
    MAX_LENGTH,
    base_location,
    build_module,
    masked_sentences,
    sha256_of,
)
from mtcheck.errors import InputError

Progress = Callable[[str], None]

SEED = 13
# One thread: on two cores shared with other jobs, two torch threads wait for each other (measured
# with the adapter's training step at nice 10 under load 8.6: 1.65 s per batch on one thread, 5.4 s on two).
THREADS = 1
# The adapter sits in the top two of MiniLM's six layers: the four below are computed once per
# sentence, and a training step costs a third of a full pass (a full-model step took over 6 s per
# batch of 32 on two cores shared with five other jobs at nice 10).
LORA = {"r": 16, "lora_alpha": 32, "lora_dropout": 0.1, "target_modules": ["query", "key", "value", "dense"],
        "layers_to_transform": [4, 5], "bias": "none"}
EPOCHS = 3
BATCH = 32
LEARNING_RATE = 1e-3  # the adapter
HEAD_LEARNING_RATE = 3e-3
WEIGHT_DECAY = 0.01
WARMUP = 0.06  # share of the steps
# Training sentences per source at most (in a fixed pseudo-random order): the source weights
# already give BBC and MLQE-PE their shares, more of their sentences mostly cost time.
TRAIN_CAPS = {"bbc": 3000, "mlqepe": 1500}
# The validation contrasts measured: WMT22 MT against WMT22 English originals and against BBC.
VALIDATION_SETS = (("mt", "wmt22"), ("original", "wmt22-en"), ("original", "bbc"))
CALIBRATION_SHARE = 0.15  # of the training documents: epoch choice, calibration, explanation threshold
TARGET_FPR = 0.03
BASE_MODEL = "all-minilm-l6-v2"


def training_sets(folder: Path, per_group: int | None = None, leave_out: Sequence[str] = ()) -> tuple[list[Example], list[Example], list[Example]]:
    """(fit, calibration, validation) examples: MT vs English-written, split by document; the MT
    systems and original sources (``wmt22-en``, ``bbc``) in ``leave_out`` give no training or
    calibration sentence (their validation ones stay)."""
    examples = subsample(all_examples(folder), per_group)
    systems = sorted({e.system for e in examples if e.label == "mt"})
    originals = sorted({e.source for e in examples if e.label == "original"})
    unknown = [s for s in leave_out if s not in systems + originals]
    if unknown:
        raise InputError(f"unknown MT system or original source {unknown[0]!r} for --leave-out (choose from {', '.join(systems + originals)})")
    examples = [e for e in examples if not (e.split == "train" and (e.system if e.label == "mt" else e.source) in leave_out)]
    ranked = sorted((e for e in examples if e.split == "train" and e.label in ("mt", "original")),
                    key=lambda e: _unit("encoder-order", e.source, e.doc_id, e.seg, e.system))
    seen: dict[str, int] = {}
    kept = set()
    for e in ranked:
        n = seen[e.source] = seen.get(e.source, 0) + 1
        if n <= TRAIN_CAPS.get(e.source, n):
            kept.add(id(e))
    train = [e for e in examples if id(e) in kept]
    fit = [e for e in train if _unit("encoder-calibration", e.doc_id) >= CALIBRATION_SHARE]
    calibration = [e for e in train if _unit("encoder-calibration", e.doc_id) < CALIBRATION_SHARE]
    validation = [e for e in examples if e.split == "validation" and (e.label, e.source) in VALIDATION_SETS]
    return fit, calibration, validation


def _seed_everything() -> None:
    import numpy as np
    import torch

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)


def _batches(lengths: Sequence[int], rng: random.Random, size: int = BATCH) -> list[list[int]]:
    """Shuffled batches of sentences of similar length (less padding, same randomness per seed)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    pool = size * 20
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        out += [chunk[k : k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def _padded(states: Sequence):
    """A batch of per-sentence token states (each [tokens, hidden]) padded into one tensor, with its mask."""
    import torch

    width = max(len(x) for x in states)
    hidden = torch.zeros((len(states), width, states[0].shape[-1]), dtype=states[0].dtype)
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for row, x in enumerate(states):
        hidden[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return hidden, mask


def lower_states(module, ids: Sequence[Sequence[int]], pad: int, say: Progress, size: int = 128) -> list:
    """Every sentence's token states below the adapted layers, computed once (they never change)."""
    import torch

    module.eval()
    out: list = [None] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    with torch.inference_mode():
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            width = max(len(ids[i]) for i in chunk)
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            states = module.lower(input_ids, mask)
            for row, i in enumerate(chunk):
                out[i] = states[row, : len(ids[i])].clone()
            if (start // size) % 20 == 0:
                say(f"lower layers {min(start + size, len(order))}/{len(order)}")
    return out


def _predict(module, states: Sequence, size: int = 128):
    import numpy as np
    import torch

    module.eval()
    out = np.zeros(len(states))
    order = sorted(range(len(states)), key=lambda i: len(states[i]))
    with torch.inference_mode():
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            out[chunk] = module.upper(*_padded([states[i] for i in chunk])).float().numpy()
    return out


def _recall_at(labels: Sequence[bool], scores: Sequence[float], threshold: float) -> tuple[float, float]:
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    return (sum(s >= threshold for s in pos) / max(1, len(pos)), sum(s >= threshold for s in neg) / max(1, len(neg)))


def validation_figures(examples: Sequence[Example], logodds: Sequence[float], threshold: float, held_out: Sequence[str] = ()) -> dict:
    """Sentence-alone figures on the validation examples (calibrated log-odds ``logodds``;
    ``threshold``: the log-odds chosen on the calibration documents)."""
    from mtcheck.detect.metrics import auroc
    from mtcheck.evaluate.holdout import recall_at_fpr

    def contrast(pos: Sequence[int], neg: Sequence[int]) -> dict:
        idx = list(pos) + list(neg)
        labels = [True] * len(pos) + [False] * len(neg)
        scores = [logodds[i] for i in idx]
        recall, fpr = _recall_at(labels, scores, threshold)
        return {"n_pos": len(pos), "n_neg": len(neg), "auroc": round(auroc(labels, scores), 4),
                f"recall_at_fpr_{TARGET_FPR:g}": round(recall_at_fpr(labels, scores, TARGET_FPR), 4),
                "recall_at_threshold": round(recall, 4), "fpr_at_threshold": round(fpr, 4)}

    def where(**match) -> list[int]:
        return [i for i, e in enumerate(examples) if all(getattr(e, k) == v for k, v in match.items())]

    mt = where(label="mt", source="wmt22")
    out = {
        "mt_vs_wmt22_original": contrast(mt, where(label="original", source="wmt22-en")),
        "mt_vs_bbc": contrast(mt, where(label="original", source="bbc")),
    }
    systems = sorted({examples[i].system for i in mt})
    per_system = {s: contrast(where(label="mt", source="wmt22", system=s), where(label="original", source="wmt22-en"))["auroc"] for s in systems}
    out["per_system_auroc_vs_wmt22_original"] = per_system
    if per_system:
        worst = min(per_system, key=lambda s: per_system[s])
        out["worst_system"] = {"system": worst, "auroc": per_system[worst]}
    held = [s for s in held_out if s in per_system]
    if held:
        worst = min(held, key=lambda s: per_system[s])
        out["worst_held_out_system"] = {"system": worst, "auroc": per_system[worst], "held_out": held}
    return out


def _write(folder: Path, module, manifest: dict) -> None:
    """The adapter, the head and the manifest (with every file's SHA-256), all or none: staged in
    a folder beside the target, then moved in, the manifest last."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    stage = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        module.encoder.save_pretrained(str(stage / "peft"))
        config = json.loads((stage / "peft" / "adapter_config.json").read_text(encoding="utf-8"))
        config["base_model_name_or_path"] = BASE_MODEL  # not this machine's path: the store resolves it
        (stage / "adapter_config.json").write_text(json.dumps(config, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        shutil.move(str(stage / "peft" / "adapter_model.safetensors"), stage / "adapter_model.safetensors")
        shutil.rmtree(stage / "peft")
        save_file({k: v.detach().contiguous() for k, v in module.head.state_dict().items()}, str(stage / HEAD_FILE))
        manifest = {**manifest, "files": {name: sha256_of(stage / name) for name in (*ADAPTER_FILES, HEAD_FILE)}}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        for name in (*ADAPTER_FILES, HEAD_FILE, MANIFEST):
            os.replace(stage / name, folder / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def train_encoder(
    out_dir: Path,
    data: Path | None = None,
    per_group: int | None = None,
    epochs: int = EPOCHS,
    leave_out: Sequence[str] = (),
    progress: Progress | None = None,
) -> dict:
    """Fine-tune, calibrate, validate and write ``out_dir/encoder.json`` with the adapter and head.
    Returns the manifest (settings, calibration, validation figures, timings)."""
    import numpy as np
    import torch
    from transformers import AutoTokenizer

    from mtcheck.detect.classifier import logit
    from mtcheck.detect.fitting import platt, threshold_for_fpr
    from mtcheck.detect.metrics import auroc
    from mtcheck.detect.train import source_weights

    say = progress or (lambda message: None)
    started = time.monotonic()
    _seed_everything()
    folder = data_dir(data)
    fit, calibration, validation = training_sets(folder, per_group, leave_out)
    say(f"{len(fit)} sentences to fit on, {len(calibration)} to calibrate on, {len(validation)} validation sentences"
        + (f" (trained without: {', '.join(leave_out)})" if leave_out else ""))
    everything = fit + calibration + validation
    masked = masked_sentences([e.text for e in everything])
    say(f"masked {len(everything)} sentences in {time.monotonic() - started:.0f} s")
    location = base_location()
    tokenizer = AutoTokenizer.from_pretrained(location)
    ids = tokenizer([w or ["."] for w, _ in masked], is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)["input_ids"]
    module = build_module(location, LORA)
    states = lower_states(module, ids, tokenizer.pad_token_id, say)
    say(f"lower layers done at {time.monotonic() - started:.0f} s")
    fit_states, cal_states = states[: len(fit)], states[len(fit) : len(fit) + len(calibration)]
    val_states = states[len(fit) + len(calibration) :]

    y = torch.tensor([e.positive for e in fit], dtype=torch.float32)
    weight = source_weights(fit)
    weight = torch.tensor(weight / weight.mean(), dtype=torch.float32)
    adapter = [p for n, p in module.named_parameters() if p.requires_grad and not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": adapter, "lr": LEARNING_RATE}, {"params": list(module.head.parameters()), "lr": HEAD_LEARNING_RATE}],
        weight_decay=WEIGHT_DECAY,
    )
    rng = random.Random(SEED)
    plan = [_batches([len(x) for x in fit_states], rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan)
    warmup = max(1, int(WARMUP * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    say(f"{trainable} trainable parameters; {epochs} epochs of {len(plan[0])} batches of {BATCH}")
    y_cal = np.array([e.positive for e in calibration], dtype=int)
    best: tuple[float, int, dict] | None = None
    step, tick = 0, time.monotonic()
    history = []
    for epoch, batches in enumerate(plan, 1):
        module.train()
        running = 0.0
        for n, batch in enumerate(batches, 1):
            logits = module.upper(*_padded([fit_states[i] for i in batch]))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch], reduction="none")
            loss = (loss * weight[batch]).sum() / weight[batch].sum()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running += float(loss.detach())
            if n % 50 == 0 or n == len(batches):
                rate = (time.monotonic() - tick) / step
                say(f"epoch {epoch} batch {n}/{len(batches)} loss {running / n:.4f} ({rate:.2f} s/batch, "
                    f"about {rate * (total - step) / 60:.1f} min left)")
        raw_cal = _predict(module, cal_states)
        cal_auc = auroc(list(y_cal.astype(bool)), list(raw_cal))
        history.append({"epoch": epoch, "calibration_auroc": round(cal_auc, 4), "train_loss": round(running / len(batches), 4)})
        say(f"epoch {epoch}: calibration-documents AUROC {cal_auc:.4f}")
        if best is None or cal_auc > best[0]:
            best = (cal_auc, epoch, {k: v.detach().clone() for k, v in module.state_dict().items() if "lora_" in k or k.startswith("head.")})
    assert best is not None
    module.load_state_dict(best[2], strict=False)
    train_seconds = time.monotonic() - started

    # Calibration (Platt, each class and source weighted as in training) and the explanation
    # threshold: both on the calibration documents, never on validation.
    raw_cal = _predict(module, cal_states)
    cal_weight = source_weights(calibration)
    a, b = platt(raw_cal, y_cal, np.zeros(len(y_cal)), cal_weight)
    cal_logodds = a * raw_cal + b
    negatives = {src: [float(1 / (1 + math.exp(-z))) for z, e in zip(cal_logodds, calibration) if not e.positive and e.source == src]
                 for src in sorted({e.source for e in calibration if not e.positive})}
    cut = max(threshold_for_fpr(v, TARGET_FPR) for v in negatives.values() if v)
    threshold = round(logit(min(max(cut, 1e-6), 1 - 1e-6)), 4)

    val_logodds = list(a * _predict(module, val_states) + b)
    figures = validation_figures(validation, val_logodds, threshold, leave_out)
    manifest = {
        "format": FORMAT,
        "base_model": BASE_MODEL,
        "masking": "style signal, s: view (mtcheck.detect.signals.style.masked_views)",
        "max_length": MAX_LENGTH,
        "lora": LORA,
        "calibration": {"a": round(float(a), 6), "b": round(float(b), 6)},
        "explain_from_logodds": threshold,
        "training": {
            "seed": SEED, "threads": THREADS, "epochs": epochs, "chosen_epoch": best[1], "batch": BATCH,
            "learning_rate": LEARNING_RATE, "head_learning_rate": HEAD_LEARNING_RATE, "per_group": per_group,
            "leave_out": list(leave_out), "fit_sentences": len(fit), "calibration_sentences": len(calibration),
            "trainable_parameters": trainable, "history": history, "seconds": round(train_seconds),
            "torch": torch.__version__,
        },
        "validation": figures,
    }
    _write(out_dir, module, manifest)
    say(f"wrote {out_dir} in {time.monotonic() - started:.0f} s")
    return manifest
