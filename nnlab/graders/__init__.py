"""Hidden graders: one pytest package per assignment, instructor-only.

`pytest nnlab/graders/<assignment> --submission PATH.ipynb [--student ID]` grades one
notebook. Never copied into release/ or into feedback.

No hidden rules: the first line of a hidden test's docstring is its hint (the feedback shows it),
and it names the rule the test checks. Any rule of an input class or a constraint (empty or integer
inputs, a batch of one, inputs left unchanged, no loop, no warning or overflow, a dtype) must also be
written in the release notebook where the exercise is set; `tests/graders/test_hints_name_rules.py`
fails until it is.
"""
