"""The fine-tuned encoder signal: its committed files (SHA-256 checked), its occlusion reason, and
the real adapter on the real MiniLM (integration)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, SEED_MT
from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext
from mtcheck.errors import EXIT_COMPONENT, ModelError
from mtcheck.types import Sentence

MT_LIKE = ("In this regard, the head of the department noted that the implementation of the measures "
           "will be carried out within the framework of the program.")
ENGLISH = "It's been a rough week, but we're not giving up on this one, she said with a grin."


def packaged():
    from mtcheck.detect.encoder_model import packaged_dir

    return packaged_dir()


def corrupt_copy(tmp_path, name="adapter_model.safetensors"):
    folder = tmp_path / "encoder"
    shutil.copytree(packaged(), folder)
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / name).write_bytes(bytes(data))
    return folder


def test_committed_encoder_files_are_small_and_match_their_hashes():
    from mtcheck.detect.encoder_model import ADAPTER_FILES, HEAD_FILE, MANIFEST, read_manifest

    folder = packaged()
    manifest = read_manifest(folder)  # raises on any mismatch
    assert sorted(manifest["files"]) == sorted((*ADAPTER_FILES, HEAD_FILE))
    assert sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) <= 10 * 1024 * 1024
    assert (folder / MANIFEST).is_file() and not any(p.suffix in (".bin", ".pt") for p in folder.iterdir())
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "all-minilm-l6-v2"  # no machine's path in a committed file


@pytest.mark.parametrize("name", ["adapter_model.safetensors", "head.safetensors", "adapter_config.json"])
def test_a_changed_encoder_file_is_a_model_error(tmp_path, name):
    from mtcheck.detect.encoder_model import read_manifest

    with pytest.raises(ModelError) as caught:
        read_manifest(corrupt_copy(tmp_path, name))
    assert caught.value.exit_code == EXIT_COMPONENT
    assert name in str(caught.value) and "SHA-256" in str(caught.value) and "mtcheck train --encoder" in str(caught.value)


def test_missing_encoder_files_are_a_model_error(tmp_path):
    from mtcheck.detect.encoder_model import read_manifest

    with pytest.raises(ModelError, match="encoder files are missing"):
        read_manifest(tmp_path)


def test_encoder_files_sit_beside_the_detector_model(tmp_path):
    from mtcheck.detect.encoder_model import encoder_dir

    assert encoder_dir(None) == packaged()
    assert encoder_dir(str(tmp_path / "model.json")) == tmp_path / "encoder"


def test_occlusion_reason_names_the_heaviest_words_and_says_what_it_is():
    from mtcheck.detect.signals.encoder import RULE_ID, explain

    text = "Within the framework of the visit, the sides held talks."
    sentence = Sentence(index=0, start=50, end=50 + len(text), text=text)
    words = ["within", "the", "NN~ork", "of", "the", "NN~sit", ",", "the", "NNS~des", "VBD~eld", "NNS~lks", "."]
    spans = [(0, 6), (7, 10), (11, 20), (21, 23), (24, 27), (28, 33), (33, 34), (35, 38), (39, 44), (45, 49), (50, 55), (55, 56)]
    drops = [0.9, 0.01, 1.4, 0.3, 0.0, -0.2, 0.0, 0.0, 0.02, 0.0, 0.04, 0.0]
    reason = explain(sentence, words, spans, drops, 2.5)
    assert reason is not None and reason.source == "encoder" and reason.rule_id == RULE_ID
    assert (reason.start, reason.end) == (50, 50 + len(text)) and reason.weight == 2.5
    assert reason.message.startswith("[model attribution, by occlusion]")
    # The three heaviest, in reading order, each with what leaving it out costs; a masked word shows its mask.
    assert "“Within” −0.90, “framework” (read as NN~ork) −1.40, “of” −0.30" in reason.message
    assert explain(sentence, words, spans, [0.0] * len(words), 2.5) is None  # no single word matters
    comma_first = explain(sentence, words, spans, drops[:6] + [5.0] + drops[7:], 2.5)
    assert comma_first is not None and "“,”" not in comma_first.message  # punctuation counts but is not named


@pytest.mark.integration
def test_real_encoder_scores_and_explains():
    from mtcheck.detect.signals.encoder import FEATURE, EncoderSignal

    texts = [MT_LIKE, ENGLISH]
    sentences = [Sentence(index=i, start=0, end=len(t), text=t) for i, t in enumerate(texts)]
    results = EncoderSignal(Settings()).run(sentences, SignalContext(settings=Settings()))
    mt, english = (r.features[FEATURE] for r in results)
    assert mt > english
    assert results[0].reasons and "occlusion" in results[0].reasons[0].message
    assert not results[1].reasons


@pytest.mark.integration
def test_corrupt_adapter_is_one_error_line_exit_3(tmp_path):
    from mtcheck.detect.classifier import default_model_path
    from test_cli_check import mtcheck, one_error_line

    model = json.loads(default_model_path().read_text(encoding="utf-8"))
    model["signals"] = sorted({*model["signals"], "encoder"})
    (tmp_path / "model.json").write_text(json.dumps(model), encoding="utf-8")
    corrupt_copy(tmp_path)
    config = tmp_path / "mtcheck.toml"
    config.write_text(f'[detect]\nmodel = "{tmp_path / "model.json"}"\n', encoding="utf-8")
    proc = mtcheck("check", str(SEED_MT), "--no-languagetool", "--no-rewrite", "--config", str(config))
    assert proc.returncode == 3, proc.stderr.decode()
    line = one_error_line(proc)
    assert "adapter_model.safetensors" in line and "SHA-256" in line


def test_encoder_signal_is_registered_without_importing_torch():
    import subprocess
    import sys

    code = "import sys; from mtcheck.registry import signals; assert 'encoder' in signals.names(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert out == "False"


def test_encoder_options_need_encoder_and_known_systems(tmp_path, shared_data):
    from test_cli_check import mtcheck, one_error_line

    proc = mtcheck("train", "--sample", "10", "--out", str(tmp_path))
    assert proc.returncode == 2 and "go with --encoder" in one_error_line(proc)
    proc = mtcheck("train", "--encoder", "--leave-out", "Online-Q", "--out", str(tmp_path), "--data", str(shared_data))
    assert proc.returncode == 2 and "unknown MT system or original source 'Online-Q'" in one_error_line(proc)
    assert not (tmp_path / "encoder").exists()
