"""nbgrader's settings for the students of the course on a shared JupyterHub.

Every student's single-user server reads it (the Hub puts this folder on JUPYTER_CONFIG_PATH, with
student/jupyter/, see hub/jupyterhub_config.py): the course, and the exchange the instructor
releases into. The exchange's root must exist and be writable by everyone (0777), as nbgrader
documents; $NNLAB_EXCHANGE overrides where it is, as for the instructor's course_config.py.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads the config)

c.CourseDirectory.course_id = "nnlab"
c.Exchange.root = os.environ.get("NNLAB_EXCHANGE", "/srv/nbgrader/exchange")
# as in course_config.py: a student's copy of an assignment is ~/nnlab/<assignment>/
c.Exchange.path_includes_course = True
