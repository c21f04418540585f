# nbgrader reads this file from the project root; the course configuration lives in course_config.py.
load_subconfig("course_config.py")  # noqa: F821
