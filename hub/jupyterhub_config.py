"""JupyterHub for the course on one shared machine: every student and instructor a local Unix user.

    NNLAB_COURSE=/srv/nnlab/course NNLAB_EXCHANGE=/srv/nbgrader/exchange \\
    NNLAB_HUB_INSTRUCTORS=instructor NNLAB_HUB_STUDENTS="ada ben" NNLAB_SERVE=1 \\
    jupyterhub -f hub/jupyterhub_config.py

With NNLAB_SERVE=1 the Hub also runs `nnlab serve` for the course, as the first instructor: each
hand-in graded on arrival and its feedback released.

Run as root (it starts each user's server as that user). See the README, "On a shared JupyterHub",
for what the machine must keep: one Unix user per student named as their student id, private homes,
the exchange's modes. tests/hub/test_hub.py starts this configuration on loopback.
"""
import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads the config)

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
BIN = os.path.dirname(sys.executable)   # the course's environment: nbgrader, jupyter, alembic
COURSE = os.environ.get("NNLAB_COURSE", PROJECT)
EXCHANGE = os.environ.get("NNLAB_EXCHANGE", "/srv/nbgrader/exchange")
# The students' servers need JupyterLab and nbgrader only: the bin folder of an environment of their
# own, without nnlab. The course's environment is an editable install of the project, and what it
# points at (nnlab/graders, nnlab/reference) must stay closed to students (README, "On a shared
# JupyterHub"). Unset, students run the course's environment (as the tests do).
STUDENT_BIN = os.environ.get("NNLAB_STUDENT_BIN", BIN)
INSTRUCTORS = set(os.environ.get("NNLAB_HUB_INSTRUCTORS", "").split())
STUDENTS = set(os.environ.get("NNLAB_HUB_STUDENTS", "").split())
# the student's side: nbgrader's settings (the course, the exchange) and the student's Jupyter
# configuration (the Assignments panel and Validate; no formgrader, no Create Assignment)
STUDENT_CONFIG_PATH = os.pathsep.join([os.path.join(HERE, "student"), os.path.join(PROJECT, "student", "jupyter")])

# Local Unix users, checked by PAM; each server runs as its user, in their home.
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Authenticator.allowed_users = INSTRUCTORS | STUDENTS
c.Authenticator.admin_users = set()   # an admin could open every student's server
c.JupyterHub.load_groups = {"instructors": {"users": sorted(INSTRUCTORS)}}

# Each user's pages on an origin of their own (https://<user>.hub.example.org, wildcard DNS and
# certificate): the formgrader's pages may then be framed by the instructor's own JupyterLab only.
if os.environ.get("NNLAB_HUB_SUBDOMAIN_HOST"):
    c.JupyterHub.subdomain_host = os.environ["NNLAB_HUB_SUBDOMAIN_HOST"]

c.Spawner.cmd = [os.path.join(BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": os.pathsep.join([BIN, "/usr/local/bin", "/usr/bin", "/bin"]),
                         "NNLAB_EXCHANGE": EXCHANGE}
# a first start on a busy machine loads JupyterLab and nbgrader's extensions
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180


def course_side(spawner):
    """The instructor's server shows the course folder and reads its nbgrader_config.py (the
    formgrader, the gradebook); a student's reads the student-side configuration."""
    if spawner.user.name in INSTRUCTORS:
        spawner.notebook_dir = COURSE
        # nbgrader looks for nbgrader_config.py in the process's working folder, which the spawner
        # makes the user's home, and on the Jupyter config path: without this the formgrader finds
        # no course and shows only "Sorry, the formgrader encountered an error"
        spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": COURSE}
    else:
        spawner.cmd = [os.path.join(STUDENT_BIN, "jupyterhub-singleuser")]
        spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": STUDENT_CONFIG_PATH,
                               "PATH": os.pathsep.join([STUDENT_BIN, "/usr/local/bin", "/usr/bin", "/bin"])}


c.Spawner.pre_spawn_hook = course_side


if os.environ.get("NNLAB_SERVE") == "1" and INSTRUCTORS:
    # A Hub-managed service: started with the Hub, as the instructor (the course folder, the gradebook
    # and the course secret in their home are theirs), started again when it exits.
    c.JupyterHub.services = [{
        "name": "nnlab-serve",
        "user": sorted(INSTRUCTORS)[0],
        "cwd": COURSE,
        "command": [sys.executable, "-m", "nnlab.cli", "serve", "--course", COURSE],
        "environment": {"NNLAB_EXCHANGE": EXCHANGE, "PATH": os.pathsep.join([BIN, "/usr/local/bin", "/usr/bin", "/bin"])},
    }]
