"""A warm Python that forks a fresh student process for each notebook.

Started once per grading worker, inside the sandbox, as `python -I child.py --zygote CONTROL_FD
WORK [--own-pids]`: child.py, the one entry of the sandbox, loads this file and hands it itself
(its loader, its resource-limit helper, `serve`). It imports what notebooks import (numpy, torch,
matplotlib, an IPython shell) and then never runs student code itself: for each notebook it
forks a child that runs `child.serve`, so every student starts from the same clean state
without paying the imports again. Between two students it kills whatever the previous one left
running and empties the scratch space. Like `child.py` it runs as a file, with the course
package hidden.

Control messages (a SOCK_SEQPACKET socket, JSON): {"op": "fork", "workdir", "log", "limits"}
with the two channel fds attached -> {"pid"}; {"op": "wait", "timeout"} -> {"status"};
{"op": "kill"} -> {"status"}; {"op": "exit"}.
"""
import json
import os
import shutil
import signal
import socket
import sys
import time


def _preload() -> None:
    """Import what the course's notebooks use, once (a student's `import torch` is then instant)."""
    for name in ("numpy", "torch", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline"):
        try:
            __import__(name)
        except Exception:  # a course without torch still grades
            pass
    torch = sys.modules.get("torch")
    if torch is not None:
        # one thread a student: the workers already use every core
        torch.set_num_threads(1)
        _warm_up_torch(torch)


def _warm_up_torch(torch) -> None:
    """Pay once what the first optimizer step of every student's process would pay again.

    torch's first `optimizer.step()` imports ~800 modules (torch._dynamo, sympy): about 1.5 s
    per notebook. The random numbers it draws do not matter: each student's process seeds its
    generators anew after the fork (`_fresh_random_state`)."""
    try:
        weight = torch.zeros(2, 2, requires_grad=True)
        layer = torch.nn.Linear(2, 1)
        for make in (torch.optim.Adam, torch.optim.SGD):
            optimizer = make([weight, *layer.parameters()], lr=0.1)
            target = torch.zeros(2, 1)
            loss = torch.nn.BCEWithLogitsLoss()(layer(weight.relu()), target) + torch.nn.MSELoss()(weight, weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(layer.parameters(), 1.0)
            optimizer.step()
    except Exception:  # a warm-up only: the students' processes still work without it
        pass


def _fresh_random_state() -> None:
    """Seed numpy's and torch's global generators from the OS, as a new Python does.

    A forked student would otherwise inherit the zygote's generators: every student who does
    not seed would draw the same numbers. (Python's `random` reseeds itself after a fork.)"""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.seed()


def _not_dumpable() -> None:
    """No student process may read or write this one's memory (ptrace, /proc/PID/mem)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status)


class Zygote:
    def __init__(self, control: socket.socket, work: str, own_pids: bool, child_module):
        """`child_module`: child.py, loaded (it serves each student's process)."""
        self.control = control
        self.work = work
        self.own_pids = own_pids      # alone in a PID namespace: every other process is the student's
        self.child = None
        self.status = None
        self.child_module = child_module
        self.wire = child_module.load_sibling("wire")
        self.recipes = child_module.load_sibling("recipes")
        child_module.hide_course_package()
        _not_dumpable()
        _preload()
        self.shell = child_module.load_sibling("capture").KernelLikeShell()

    def reply(self, message: dict) -> None:
        self.control.send(json.dumps(message).encode())

    def fork(self, message: dict, fds: list) -> None:
        pid = os.fork()
        if pid == 0:
            try:
                self.control.close()
                os.setsid()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.chdir(message["workdir"])
                os.environ.update(HOME=message["workdir"], MPLCONFIGDIR=message["workdir"])
                self.child_module.lower_limits(message.get("limits", {}))
                _fresh_random_state()
                self.child_module.serve(fds[0], fds[1], message["log"], self.wire, self.recipes, self.shell)
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)
        self.child, self.status = pid, None
        self.reply({"pid": pid})

    def wait(self, timeout: float):
        """The student's exit code, or None while it runs."""
        deadline = time.monotonic() + timeout
        while self.child is not None and self.status is None:
            done, status = os.waitpid(self.child, os.WNOHANG)
            if done:
                self.status = _exit_code(status)
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        return self.status

    def kill(self):
        """End the student's process and everything it started; empty the scratch space."""
        if self.child is None:
            return None
        try:
            os.killpg(self.child, signal.SIGKILL)
        except OSError:
            pass
        if self.status is None:
            try:
                self.status = _exit_code(os.waitpid(self.child, 0)[1])
            except ChildProcessError:
                pass
        if self.own_pids:
            self._kill_strays()
            self._empty("/tmp", keep=self.work)
            self._empty("/dev/shm")
        self._empty(self.work)
        status, self.child, self.status = self.status, None, None
        return status

    def _kill_strays(self) -> None:
        """Processes that left the student's process group (setsid, double fork)."""
        me = os.getpid()
        for _ in range(20):
            found = False
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) not in (1, me):
                    found = True
                    try:
                        os.kill(int(entry), signal.SIGKILL)
                    except OSError:
                        pass
            self._reap()
            if not found:
                return
            time.sleep(0.01)

    @staticmethod
    def _reap() -> None:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    @staticmethod
    def _empty(folder: str, keep: str = "") -> None:
        try:
            entries = os.listdir(folder)
        except OSError:
            return
        for entry in entries:
            path = os.path.join(folder, entry)
            if keep and (keep == path or keep.startswith(path + os.sep)):
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def run(self) -> None:
        self.reply({"ready": True, "pid": os.getpid()})
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.control, 65536, 4)
            except (ConnectionError, OSError):
                data, fds = b"", []
            if not data:
                self.kill()
                return
            message = json.loads(data)
            op = message.get("op")
            if op == "fork":
                self.kill()
                self.fork(message, fds)
                fds = []
            elif op == "wait":
                self.reply({"status": self.wait(float(message.get("timeout", 0)))})
            elif op == "kill":
                self.reply({"status": self.kill()})
            elif op == "exit":
                self.kill()
                return


def main(argv: list[str], child_module) -> None:
    """Serve forks until told to exit; `argv`: CONTROL_FD WORK [--own-pids]."""
    control = socket.socket(fileno=int(argv[0]))
    work = os.path.abspath(argv[1])
    Zygote(control, work, "--own-pids" in argv[2:], child_module).run()
    os._exit(0)
