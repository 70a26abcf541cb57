"""``mtcheck audit``: the detector over a whole archive, on a process pool or on Ray, resumable.

One module per job:

- ``sources``: a directory tree of articles or a JSON-lines file, scanned into ``ArticleRef`` s
  (a stable id, where to read the text, source/date/url) with a content fingerprint, a
  ``--sample`` and the assignment of articles to shards;
- ``worker``: ``AuditWorker``, built once per worker process (pool initialiser, Ray actor): one
  ``Pipeline`` (so an article's scores are those ``mtcheck check`` gives), reading an article,
  checking it and turning the result into a compact JSON record;
- ``shards``: the output folder: the manifest (what the audit is of, refused on resume when it
  differs), shard files committed atomically, resume (only the missing shards), reading back;
- ``local`` and ``ray_engine``: the engines; ``ray`` is imported only in ``ray_engine``;
- ``summary``: per source and month, the most translated-looking articles, CSV and a
  self-contained HTML page with an inline SVG chart;
- ``progress``: the terminal progress bar (throughput, ETA);
- ``run``: ``run_audit``, which puts them together for the command.

Nothing here is imported by ``mtcheck --help``.
"""
