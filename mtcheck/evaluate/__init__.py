"""Evaluation behind ``mtcheck eval ...``: measuring the stages on labelled data, apart from the pipeline.

Not a stage: it reads labelled files, runs the stages (detect, rewrite, compare) and counts. It may
import any stage; no stage imports it. The commands in ``mtcheck/cli/eval_*.py`` only parse options,
call these functions and print. Data comes in as explicit paths (``--data``, a set's file); nothing
here reads the repository's ``tests/`` folder.

* :mod:`mtcheck.evaluate.detection`: ``mtcheck eval detect`` (metrics of the detector on a labelled file)
* :mod:`mtcheck.evaluate.holdout`: ``mtcheck eval detect --holdout`` (leave one source out)
* :mod:`mtcheck.evaluate.sets`: ``mtcheck eval make-sets`` (the validation sets from the development data)
* :mod:`mtcheck.evaluate.rewrites`: ``mtcheck eval rewrite`` (coverage, reference metrics, rejections)
* :mod:`mtcheck.evaluate.fact_audit`: the independent audit of numbers, dates, names, negation and hedges
* :mod:`mtcheck.evaluate.judging`: the blind judge sheet and ``mtcheck eval judge``
* :mod:`mtcheck.evaluate.alignment`: ``mtcheck eval align`` (precision and recall of the aligner)
"""
