"""How well an English sentence says what the Russian original says: meaning evidence for an edit.

With the source (``mtcheck check --source``), an edit can be weighed against what the Russian
says instead of against agreeing model answers alone. The rewriter's own model scores each English
text as a translation of the Russian sentence (Prism-src, Thompson and Post 2020, scores a
hypothesis by its likelihood given the source), and as English with no source at all:

    given(text)       = log P(text | Russian)                      (summed over the text's tokens)
    information(text) = log P(text | Russian) - log P(text)

An edit that says what the Russian says raises ``given`` ("omicron scales" -> "omicron strain":
+15 nats); a word swapped for another lowers it (by ~17 nats on MLQE-PE train, a human
post-edit's median by ~3: benchmarks/source_evidence.py). A translation model likes literal
renderings, so an idiomatic fix of a calque ("On the eve" -> "the day before") may lower it too:
a content edit is admitted on a clear rise, a model's edit refused on a large fall, and a rule's
own fix is never weighed. ``information`` subtracts the plain LM's likelihood to keep fluency out;
on real model edits it ranked worse (the plain LM also likes the idiomatic wording an editor wants),
so it is reported by the study, not used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Sequence

from mtcheck.errors import ModelError

_SYSTEM_SOURCE = "Translate the Russian news sentence into English."
_SYSTEM_NONE = "Write an English news sentence."
MAX_TOKENS = 500  # the scoring context holds 512 positions
_LOCK = threading.Lock()


def _chat(llama: Any, system: str, user: str) -> list[int]:
    """The tokens of a chat turn up to where the assistant's answer starts, by the GGUF's own
    template; a plain "Russian: ... English:" frame when the file has none."""
    from mtcheck.services.llama import chat_template_ids

    ids = chat_template_ids(llama, [{"role": "system", "content": system}, {"role": "user", "content": user}])
    if ids is not None:
        return ids
    text = f"{system}\n\nRussian: {user}\nEnglish:" if user else f"{system}\n\nEnglish:"
    return [int(t) for t in llama.tokenize(text.encode("utf-8"), add_bos=True, special=False)]


@dataclass(frozen=True)
class SourceScore:
    given: float  # log P(text | Russian), nats
    alone: float  # log P(text), nats

    @property
    def information(self) -> float:
        return self.given - self.alone


class SourceInformation:
    """``scores(russian, texts)``: each English text scored against the Russian sentence (see the
    module docstring). One scoring context of the rewriter's GGUF, beside the one that generates;
    the weights are mapped once and shared."""

    def __init__(self, model_path: str, n_threads: int = 2):
        self.model_path = model_path
        self.n_threads = n_threads
        self._memo: dict[tuple[str, str, str], float] = {}  # (system, user, text) -> log P

    @property
    def llama(self) -> Any:
        from mtcheck.services.llama import load_llama

        return load_llama(self.model_path, n_ctx=512, n_threads=self.n_threads, logits_all=True)

    def information(self, russian: str, texts: Sequence[str]) -> list[float]:
        return [score.information for score in self.scores(russian, texts)]

    def scores(self, russian: str, texts: Sequence[str]) -> list[SourceScore]:
        # All texts under one prefix, then all under the other: each prefix is evaluated once.
        unique = list(dict.fromkeys(texts))
        try:
            given = self._logprobs(_SYSTEM_SOURCE, russian, unique)
            alone = self._logprobs(_SYSTEM_NONE, "", unique)
        except ModelError:
            raise
        except Exception as err:
            raise ModelError(f"scoring against the source failed: {err}") from None
        return [SourceScore(given[t], alone[t]) for t in texts]

    def _logprobs(self, system: str, user: str, texts: Sequence[str]) -> dict[str, float]:
        todo = [t for t in texts if (system, user, t) not in self._memo]
        if todo:
            with _LOCK:
                llama = self.llama
                head = _chat(llama, system, " ".join(user.split()))
                for text in todo:
                    body = [int(t) for t in llama.tokenize(text.encode("utf-8"), add_bos=False)]
                    body = body[: max(1, MAX_TOKENS - len(head))]
                    self._memo[(system, user, text)] = sum(_continuation_logprobs(llama, head, body))
        return {text: self._memo[(system, user, text)] for text in texts}


def _continuation_logprobs(llama: Any, head: list[int], body: list[int]) -> list[float]:
    """log P(body token | head and the body before it), evaluating ``head`` only when the context
    does not hold it already (the same Russian sentence's next text reuses it)."""
    from mtcheck.services.fluency_lm import evaluated_logprobs

    k = len(head) - 1  # the head's last token is evaluated again: its logits predict the body's first
    if not (llama.n_tokens >= k and [int(t) for t in llama.input_ids[:k]] == head[:k]):
        llama.reset()
        llama._logits_all = False  # the head's own logits are never read
        try:
            llama.eval(head[:k])
        finally:
            llama._logits_all = True
    llama.n_tokens = k
    llama.eval([head[-1]] + body)
    return evaluated_logprobs(llama, k, body)
