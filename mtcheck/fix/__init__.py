"""``mtcheck fix``: from findings to a corrected article.

- ``edits``: a sentence's new text as edits of the document (token diff, markup kept), and applying them;
- ``select``: which fix a finding offers (``safe``: the rules declared ``fix_safety="safe"``,
  verified; ``unsafe``: the verified rewrite) and its replacements in document offsets;
- ``decisions``: the editor's choices exported by the HTML report, read and checked against the article;
- ``files``: writing the edited text back in the file's own encoding, BOM and line endings, atomically;
- ``run``: the command's work over files and folders (it runs the pipeline).

``edits``, ``select`` and ``decisions`` are light and used by the report formats; ``run`` is not
imported here, so the report never pulls in the pipeline.
"""
