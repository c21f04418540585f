"""A corpus of hostile and broken submissions, each with the outcome an instructor must see.

`corpus.CASES` holds the cases: submissions that crash, hang, flood, probe the sandbox, cheat
or tamper with the notebook (`Case`), and checks of the Moodle import with unsafe names
(`Check`). `run.run_corpus` grades them all in one temporary course through the `nnlab`
command line and reports every case whose outcome differs from its expectation.
From the shell: `python -m nnlab.hostile [--keep DIR] [--only NAME...]`.
"""
