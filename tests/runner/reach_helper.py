"""Run the reach probes through StudentProcess and print, as JSON, what the student's process saw.

`python reach_helper.py '{"launcher": "spawn" or "zygote", "targets": [paths], "tag": "..."}'`.
test_reach.py calls `probe` in its own process, and runs this file under setpriv to probe as an
ordinary user. It checks first that this user can read every target outside the sandbox.
"""
from __future__ import annotations

import json
import os
import sys

from nnlab.hostile.reach import reach_probe, readable_on_host
from nnlab.runner.launch import SpawnLauncher, ZygoteLauncher
from nnlab.runner.sandbox import Sandbox
from nnlab.runner.student_process import StudentProcess

# numpy, torch and matplotlib work inside: a figure saved to the scratch folder, a training step
WORKS = '''import os, sys
import numpy as np, torch, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
_figure = plt.figure(); plt.plot([0, 1], [1, 0]); _figure.savefig("figure.png")
_model = torch.nn.Linear(2, 1)
_optimizer = torch.optim.Adam(_model.parameters(), lr=0.1)
_loss = ((_model(torch.ones(4, 2)) - 1) ** 2).mean()
_optimizer.zero_grad(); _loss.backward(); _optimizer.step()
works = {"numpy": float(np.eye(2).sum()), "figure": os.path.getsize("figure.png") > 1000,
         "torch": bool(torch.isfinite(_loss))}
uid, gid, scratch = os.getuid(), os.getgid(), os.getcwd()
'''
# nowhere but the scratch folder (and the sandbox's own /tmp and /dev/shm) can it write
WRITES = '''def _try_write(folder):
    try:
        with open(os.path.join(folder, "written-by-a-student.txt"), "w") as _out:
            _out.write("x")
        return "written"
    except OSError as _error:
        return type(_error).__name__
writes = {folder: _try_write(folder) for folder in ["/", "/usr", "/etc", sys.prefix, sys.base_prefix, "/proc", "/dev"]}
private_tmp = _try_write("/tmp") == "written" and _try_write("/dev/shm") == "written"
with open("/dev/null", "w") as _null:  # devices still work on the read-only /dev
    private_tmp = private_tmp and _null.write("x") == 1
'''


def probe(launcher_kind: str, targets: list[str]) -> dict:
    """What a student's process started by `launcher_kind` saw of `targets`, and could do."""
    sandbox = Sandbox()
    launcher = SpawnLauncher(sandbox) if launcher_kind == "spawn" else ZygoteLauncher(sandbox)
    cells = [(0, reach_probe(targets)), (1, WORKS), (2, WRITES)]
    try:
        with StudentProcess(cells, launcher=launcher, cell_timeout=60, notebook_timeout=180) as student:
            run = student.start()
            seen = {name: student.get(name) for name in ("reached", "works", "uid", "gid", "writes", "private_tmp")}
            figure = os.path.join(student.get("scratch"), "figure.png")
            seen["figure_owner"] = os.stat(figure).st_uid  # on the host, before the folder goes
    finally:
        if isinstance(launcher, ZygoteLauncher):
            launcher.stop()
    return {"isolated": sandbox.isolated, "cell_errors": run.cell_errors, "grader_uid": os.getuid(), **seen}


def main() -> None:
    request = json.loads(sys.argv[1])
    unreadable = readable_on_host(request["targets"])
    result = {"unreadable_on_host": unreadable}
    if not unreadable:
        result.update(probe(request["launcher"], request["targets"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
