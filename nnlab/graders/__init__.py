"""Hidden graders: one pytest package per assignment, instructor-only.

`pytest nnlab/graders/<assignment> --submission PATH.ipynb [--student ID]` grades one
notebook. Never copied into release/ or into feedback.
"""
