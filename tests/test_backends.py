"""Integration tests of the rewrite backends, each run for real: llama.cpp on a GGUF file, a tiny
seq2seq model built here through transformers, and the OpenAI-compatible HTTP client against
a local server that answers /v1/chat/completions from a real model."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mtcheck.config import Settings
from mtcheck.errors import ComponentError, InputError, ModelError
from mtcheck.rewrite.backends.base import load_backend
from mtcheck.rewrite.prompt import editor_prompt

SENTENCE = "The rebels will be able to leave the city the corridors within 48 hours."


def small_gguf() -> str:
    """The assembled rewriter when there is one, else the packaged SmolLM2 (same code path, faster)."""
    from mtcheck.services.fluency_lm import fluency_model_path

    return fluency_model_path()


def test_unknown_backend_is_an_input_error():
    with pytest.raises(InputError, match="unknown backend"):
        load_backend(Settings(), "nonesuch")


def test_llama_cpp_rejects_a_missing_file(tmp_path):
    with pytest.raises(ModelError, match="gguf"):
        load_backend(Settings(tables={"rewrite": {"model": str(tmp_path / "missing.gguf")}}), "llama_cpp")


@pytest.mark.integration
def test_llama_cpp_backend_generates_deterministically():
    backend = load_backend(Settings(tables={"rewrite": {"model": small_gguf()}}), "llama_cpp")
    prompt = editor_prompt(SENTENCE)
    first = backend.generate([prompt], n=1, max_tokens=24)
    second = backend.generate([prompt], n=1, max_tokens=24)
    assert len(first) == 1 and len(first[0]) == 1 and first[0][0].strip()
    assert first == second  # temperature 0 and a fixed seed: the cache relies on it
    assert backend.model_id.startswith("llama_cpp:") and backend.model_id.endswith(tuple("0123456789abcdef"))


@pytest.mark.integration
def test_prepared_prompt_state_is_used_by_a_fresh_cache(tmp_path, monkeypatch):
    """`mtcheck models prepare` keeps the system prompt's state beside the models; a process with an
    empty cache restores it instead of evaluating the prompt, and answers exactly as without it."""
    from mtcheck.rewrite.backends import llama_cpp

    models = tmp_path / "models"
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("mtcheck.services.modelstore.ModelStore.default",
                        staticmethod(lambda settings: type("Store", (), {"root": models})))
    settings = Settings(tables={"rewrite": {"model": small_gguf()}})
    prompt = editor_prompt(SENTENCE)
    path = load_backend(settings, "llama_cpp").prepare_prompt_state(prompt.system, models / llama_cpp.PROMPT_STATE_DIR)
    assert path.is_file() and path.stat().st_size > 0

    restored = []
    original = llama_cpp.LlamaCppBackend._restore_prefix
    monkeypatch.setattr(llama_cpp.LlamaCppBackend, "_restore_prefix",
                        lambda self, llama, prefix: restored.append(original(self, llama, prefix)) or restored[-1])
    fresh = load_backend(settings, "llama_cpp")
    fresh.llama.reset()  # the process shares one loaded model: start it from nothing, as a new process does
    answer = fresh.generate([prompt], n=1, max_tokens=16)
    assert restored == [True]
    plain = Settings(tables={"rewrite": {"model": small_gguf(), "persist_prefix": False}})
    assert answer == load_backend(plain, "llama_cpp").generate([prompt], n=1, max_tokens=16)


@pytest.fixture(scope="module")
def tiny_seq2seq(tmp_path_factory, shared_data) -> Path:
    """A randomly initialised T5 with a SentencePiece vocabulary trained on dev sentences."""
    import sentencepiece as spm
    import torch
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    folder = tmp_path_factory.mktemp("tiny-t5")
    with (shared_data / "mlqepe_ruen_train.jsonl").open(encoding="utf-8") as fh:
        texts = [json.loads(line)["mt_en"] for _, line in zip(range(3000), fh)]
    # T5's fixed layout: pad 0, eos 1, unk 2, no bos.
    spm.SentencePieceTrainer.train(sentence_iterator=iter(texts), model_prefix=str(folder / "spiece"), vocab_size=600,
                                   pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    tokenizer = T5Tokenizer(vocab=[(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())], extra_ids=0)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = T5Config(vocab_size=len(tokenizer), d_model=32, d_ff=64, d_kv=16, num_layers=1, num_decoder_layers=1,
                      num_heads=2, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.mark.integration
def test_transformers_backend_runs_a_seq2seq_model(tiny_seq2seq):
    backend = load_backend(Settings(), "transformers", model=str(tiny_seq2seq))
    out = backend.generate([editor_prompt(SENTENCE), editor_prompt("Second one.")], n=2, max_tokens=6)
    assert backend.seq2seq
    assert [len(texts) for texts in out] == [2, 2]
    assert all(isinstance(t, str) for texts in out for t in texts)
    assert backend.model_id.startswith("transformers:")
    # Random weights say nothing useful, but the same input gives the same output.
    assert backend.generate([editor_prompt(SENTENCE)], n=1, max_tokens=6) == backend.generate([editor_prompt(SENTENCE)], n=1, max_tokens=6)


def test_transformers_backend_refuses_gguf():
    with pytest.raises(ModelError, match="llama_cpp"):
        load_backend(Settings(), "transformers", model="/x/model.gguf")


class _ChatHandler(BaseHTTPRequestHandler):
    """Speaks the OpenAI chat-completions API, answering from a real llama.cpp model."""

    llama = None
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        result = self.llama.create_chat_completion(messages=body["messages"], temperature=body.get("temperature", 0),
                                                   max_tokens=body.get("max_tokens", 16), seed=body.get("seed", 0))
        # Like several real servers, ignore ``n`` and return one choice.
        payload = json.dumps({"object": "chat.completion", "model": body["model"], "choices": result["choices"][:1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def chat_server():
    from mtcheck.services.llama import load_llama

    _ChatHandler.llama = load_llama(small_gguf(), n_ctx=2048)
    _ChatHandler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.integration
def test_openai_backend_against_a_local_server(chat_server, monkeypatch):
    monkeypatch.setenv("MTCHECK_OPENAI_API_KEY", "local-secret")
    settings = Settings(tables={"rewrite": {"base_url": chat_server, "model": "smollm2"}})
    backend = load_backend(settings, "openai")
    out = backend.generate([editor_prompt(SENTENCE)], n=2, max_tokens=16)
    assert len(out) == 1 and len(out[0]) == 2 and out[0][0].strip()
    request = _ChatHandler.seen[0]
    assert request["auth"] == "Bearer local-secret"
    assert request["body"]["model"] == "smollm2"
    assert request["body"]["messages"][0]["role"] == "system"
    assert "<sentence>" in request["body"]["messages"][1]["content"]
    assert backend.model_id == f"openai:{chat_server}:smollm2"


def test_openai_backend_needs_a_base_url(monkeypatch):
    monkeypatch.delenv("MTCHECK_OPENAI_BASE_URL", raising=False)
    with pytest.raises(InputError, match="base URL"):
        load_backend(Settings(), "openai")


def test_openai_backend_reports_an_unreachable_server():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nothing listens once the socket closes
    backend = load_backend(Settings(tables={"rewrite": {"base_url": f"http://127.0.0.1:{port}/v1", "timeout": 5}}), "openai")
    with pytest.raises(ComponentError, match="cannot reach"):
        backend.generate([editor_prompt(SENTENCE)], max_tokens=4)


@pytest.mark.integration
def test_the_fluency_lm_scores_the_same_on_the_rewriters_threads_and_goes_back_to_its_own():
    # The rewrite stage's checks score with the rewriter's two threads, detection with one: the
    # surprisal of a text must not depend on which asked first.
    from mtcheck.services.fluency_lm import Surprisal, surprisal_model

    texts = ["The rebels will be able to leave the city the corridors.", "Talks ended on Monday, officials said."]
    one, two = Surprisal()(texts), Surprisal()(texts, threads=2)
    assert one == pytest.approx(two, abs=1e-4) and all(v > 0 for v in one)
    model = surprisal_model()
    model.surprisals(texts[0])
    assert model.threads_in_use == model.n_threads == 1
