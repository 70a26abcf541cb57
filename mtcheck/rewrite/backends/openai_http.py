"""Any OpenAI-compatible chat endpoint on the user's own network (llama.cpp server, vLLM, Ollama).

Configured by ``[tool.mtcheck.rewrite] base_url / model / api_key_env`` or the environment
variables MTCHECK_OPENAI_BASE_URL, MTCHECK_OPENAI_MODEL and MTCHECK_OPENAI_API_KEY.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from mtcheck.config import Settings
from mtcheck.errors import ComponentError, InputError
from mtcheck.registry import backends
from mtcheck.rewrite.prompt import ChatPrompt
from mtcheck.services import egress


@backends.register("openai")
class OpenAIBackend:
    def __init__(self, settings: Settings, model: str | None = None):
        options = settings.rewrite_config
        base_url = options.base_url or os.environ.get("MTCHECK_OPENAI_BASE_URL")
        if not base_url:
            raise InputError(
                "the openai backend needs a base URL",
                fix="set MTCHECK_OPENAI_BASE_URL=http://host:port/v1 or [tool.mtcheck.rewrite] base_url",
            )
        self.base_url = base_url.rstrip("/")
        self.model = model or options.model or os.environ.get("MTCHECK_OPENAI_MODEL") or "default"
        self.api_key = os.environ.get(options.api_key_env) or os.environ.get("OPENAI_API_KEY")
        self.timeout = options.timeout
        self.model_id = f"openai:{self.base_url}:{self.model}"

    def _complete(self, prompt: ChatPrompt, n: int, temperature: float, max_tokens: int, seed: int) -> list[str]:
        import requests

        egress.announce(egress.REWRITE_SERVER, self.base_url)
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body: dict[str, Any] = {
            "model": self.model, "messages": prompt.messages(), "temperature": temperature,
            "max_tokens": max_tokens, "n": n, "seed": seed,
        }
        try:
            response = requests.post(f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as err:
            raise ComponentError(f"cannot reach the rewrite server at {self.base_url}: {err}", fix="start the server or fix base_url") from None
        if response.status_code != 200:
            raise ComponentError(f"rewrite server at {self.base_url} answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            choices = response.json()["choices"]
            return [c["message"]["content"] or "" for c in choices]
        except (ValueError, KeyError, TypeError):
            raise ComponentError(f"rewrite server at {self.base_url} sent an answer that is not a chat completion") from None

    def generate(
        self, prompts: Sequence[ChatPrompt], n: int = 1, temperature: float = 0.0, max_tokens: int = 96, seed: int = 0
    ) -> list[list[str]]:
        out = []
        for prompt in prompts:
            texts = self._complete(prompt, n, temperature, max_tokens, seed)
            # Several servers ignore ``n``: ask again until there are enough.
            while len(texts) < n:
                more = self._complete(prompt, 1, temperature or 0.7, max_tokens, seed + len(texts))
                if not more:
                    break
                texts.extend(more)
            out.append(texts[:n])
        return out
