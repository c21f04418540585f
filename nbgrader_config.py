# nbgrader reads this file from the project root; the course configuration lives in course_config.py.
try:
    load_subconfig("course_config.py")  # noqa: F821
except Exception as exc:
    # traitlets would log this and go on with nbgrader's defaults: notebooks would then run in a Jupyter
    # kernel as the instructor, outside the sandbox, and feedback would go unsanitized. Stop instead.
    raise SystemExit(f"course_config.py fails to run ({type(exc).__name__}: {exc}): nbgrader and nnlab run "
                     "nothing until it is fixed") from None
