"""The main job: a whole course term on one machine (`make demo`, `python -m nnlab.demo`)."""
