"""The settings of `nnlab similarity`, kept apart so that the command line can show them without
importing copydetect (which imports matplotlib.pyplot: a second on every `nnlab` command)."""
NOISE_THRESHOLD = 25       # copydetect's k: matches shorter than this many filtered characters are noise
GUARANTEE_THRESHOLD = 30   # matches this long are always found (window = guarantee - noise + 1)
THRESHOLD = 0.5            # pairs with this share of either one's code matched are marked and shown side by side
TOP = 30                   # pairs listed on the page (all are in the CSV)
