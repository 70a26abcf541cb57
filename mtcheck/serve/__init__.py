"""``mtcheck serve``: the pipeline loaded once, behind LanguageTool's HTTP API.

Every LanguageTool client (the browser add-on, LTeX, language-tool-python, a CMS plug-in) pointed
at it gets mtcheck's findings as LanguageTool matches, merged with the LanguageTool server's own.

- ``protocol``: LanguageTool's requests and answers (form fields, annotated text, offsets, match
  shape); pure functions, no model.
- ``app``: what a request does with the loaded pipeline (``check``'s own code path, so the
  answers equal ``mtcheck check``'s), the grammar merge and ``/v1/rewrite``.
- ``server``: HTTP on the standard library, with a bounded pool and queue, the token, the size
  limit, timeouts and a draining stop.

``mtcheck/cli/serve.py`` only parses the options and wires these together.
"""
