"""The student's process: runs the notebook's code cells, then answers the grader's calls.

Every process of the sandbox starts here: `python -I child.py CMD_FD REPLY_FD LOG` is one
student's process (`launch.SpawnLauncher`), `python -I child.py --zygote CONTROL_FD WORK
[--own-pids]` a warm zygote that forks them (`launch.ZygoteLauncher`, see zygote.py).
It runs as a file, never as part of the `nnlab` package, and hides that package before the
student's first line runs: the student's code cannot import the reference solutions or the
graders. It only ever receives inputs; the expected values stay with the grader.

The student-side files (this one, zygote, wire, recipes, capture: `launch.RUNNER_FILES`) share
what is defined here: `load_sibling`, the one way they load each other, and `lower_limits`, the
one resource-limit helper (the grader's sandbox applies it too, before it starts a process).
"""
import builtins
import importlib.util
import os
import resource
import signal
import sys
import time

MAX_ERROR_CHARS = 500


def load_sibling(name: str):
    """The runner file `name`.py next to this one, loaded by path as `_nnlab_runner_<name>`."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location("_nnlab_runner_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lower_limits(limits: dict) -> None:
    """Set this process's resource limits ({"RLIMIT_CPU": 600, ...}, in order), never above a
    hard limit it already has; a write past RLIMIT_FSIZE then fails instead of killing it."""
    for name, value in limits.items():
        which = getattr(resource, name)
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def hide_course_package() -> None:
    """Make `import nnlab` fail for the student (an editable install adds finders and paths)."""
    sys.path[:] = [p for p in sys.path if not os.path.isfile(os.path.join(p or ".", "nnlab", "__init__.py"))]
    # setuptools' editable install registers a finder class named __editable___nnlab_..._finder.
    kept = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
    sys.meta_path[:] = kept
    sys.path_importer_cache.clear()
    for name in [m for m in sys.modules if m == "nnlab" or m.startswith("nnlab.")]:
        del sys.modules[name]


class _QuietShell:
    """Stands in for IPython's `get_ipython()`: magics and shell escapes do nothing here."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _python_source(source: str) -> str:
    if any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    return source


def _describe(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # a student exception whose __str__ fails
        text = type(exc).__name__
    return text[:MAX_ERROR_CHARS]


def _close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


class CellTimeout(BaseException):
    """Interrupts a cell that runs too long, as a kernel interrupt would."""


class OutOfBudget(CellTimeout):
    """Interrupts a cell that ran past its own budget (shorter than the cell timeout); the message
    names the budget and where it comes from, as the grader's side describes it."""


class _Interrupter:
    """Interrupts a cell that runs too long (SIGALRM), as a kernel interrupt would."""

    def __init__(self):
        self.fired = False
        self.budget: tuple[float, str] | None = None   # the running cell's (seconds, why), if it has one

    def __call__(self, signum, frame):
        self.fired = True
        if self.budget is not None:
            seconds, why = self.budget
            raise OutOfBudget(f"stopped after {seconds:.1f} s, {why}")
        raise CellTimeout("the cell ran too long and was interrupted")


def run_cells(cells, namespace, report, cell_timeout: float, slow_cells=(), slow_timeout: float = 2.0,
              shell=None, first_count: int = 1, budgets=None, timings=None):
    """Run the cells in order; an error or an interrupted cell is noted and the next one runs.

    A cell that ignores the interrupt is killed by the grader's side and skipped on the rerun.
    Cells interrupted in an earlier run (`slow_cells`) get only `slow_timeout` seconds.
    `budgets`: {cell index: (seconds, why)}, cells with a time of their own under `cell_timeout`
    (interrupted with `OutOfBudget`, whose message says why). `timings`: a dict that receives
    {cell index: seconds it ran}. With `shell` (a capture.KernelLikeShell) the cells run as in a
    Jupyter kernel and their outputs are kept: returns (errors, [[index, execution_count, outputs], ...]).
    """
    errors, outputs = [], []
    budgets = budgets or {}
    interrupter = _Interrupter()
    signal.signal(signal.SIGALRM, interrupter)
    for count, (index, source) in enumerate(cells, first_count):
        report({"cell_started": index})
        interrupter.fired = False
        budget = budgets.get(index)
        seconds = cell_timeout if budget is None else min(budget[0], cell_timeout)
        interrupter.budget = budget if budget is not None and budget[0] < cell_timeout else None
        if index in slow_cells:
            seconds = min(slow_timeout, seconds)
        began = time.monotonic()
        error, cell_outputs, out_of_memory = _run_cell(index, source, count, seconds, namespace, shell)
        if timings is not None:
            timings[index] = time.monotonic() - began
        if cell_outputs is not None:
            outputs.append([index, count, cell_outputs])
        if error is not None:
            errors.append({"cell": index, "error": error})
        if out_of_memory or (interrupter.fired and _holds_most_of_the_memory_limit()):
            # what the cell allocated stays in the process and would starve every later call
            # (also when its timeout, not the limit, stopped it): the grader's side runs the
            # notebook again without this cell
            report({"cell_exhausted": index})
            os._exit(75)
        if interrupter.fired:
            report({"cell_interrupted": index})
        _close_figures()
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return (errors, outputs) if shell is not None else errors


def _run_cell(index: int, source: str, count: int, seconds: float, namespace, shell):
    """Run one cell, interrupted after `seconds`: (its error or None, its outputs with a shell
    else None, whether it ran out of memory)."""
    error, cell_outputs, out_of_memory = None, None, False
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        if shell is not None:
            cell_outputs, failed = shell.run(source, count)
            if failed:
                error = _last_error(cell_outputs)
                out_of_memory = isinstance(shell.last_error, MemoryError)
        else:
            exec(compile(_python_source(source), f"<cell {index}>", "exec"), namespace)
    except MemoryError:
        out_of_memory = True
    except BaseException as exc:  # CellTimeout, SystemExit and KeyboardInterrupt too: the notebook goes on
        error = _describe(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return error, cell_outputs, out_of_memory


def _holds_most_of_the_memory_limit() -> bool:
    """Whether this process's resident memory is over half its address-space limit (if it has one)."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return resident_pages * os.sysconf("SC_PAGE_SIZE") > limit / 2


def _last_error(outputs) -> str:
    for output in reversed(outputs):
        if output.get("output_type") == "error":
            return f"{output['ename']}: {output['evalue']}"[:MAX_ERROR_CHARS]
    return "the cell failed"


class Session:
    def __init__(self, wire, recipes, namespace):
        self.wire = wire
        self.recipes = recipes
        self.namespace = namespace
        self.handles = {}

    def _torch(self, required: bool = False):
        if required:
            import torch
            return torch
        return sys.modules.get("torch")

    def _materialize(self, value):
        """Turn decoded plain data into the student's kind of values (tensors, kept objects)."""
        wire = self.wire
        if isinstance(value, wire.Tensor):
            torch = self._torch(required=True)
            tensor = torch.from_numpy(value.array.copy())
            return tensor.requires_grad_(True) if value.requires_grad else tensor
        if isinstance(value, wire.Handle):
            return self.handles[value.ident]
        if isinstance(value, list):
            return [self._materialize(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._materialize(v) for v in value)
        if isinstance(value, dict):
            return {k: self._materialize(v) for k, v in value.items()}
        return value

    def _reply_value(self, value, keep: bool):
        if keep:
            ident = len(self.handles) + 1
            self.handles[ident] = value
            return {"ok": True, "value": self.wire.Handle(ident, type(value).__name__)}
        return {"ok": True, "value": value}

    def _target(self, message):
        if "handle" in message:
            obj = self.handles[message["handle"]]
            return getattr(obj, message["method"])
        name = message["name"]
        if name not in self.namespace:
            raise LookupError(name)
        return self.namespace[name]

    def handle(self, message):
        op = message.get("op")
        try:
            if op == "get":
                target = self._target(message)
                return self._reply_value(target, message.get("keep", False))
            if op == "call":
                target = self._target(message)
                args = self._materialize(message.get("args", []))
                kwargs = self._materialize(message.get("kwargs", {}))
                result = target(*args, **kwargs)
                reply = self._reply_value(result, message.get("keep", False))
                if message.get("return_args"):
                    reply["args"] = args
                return reply
            if op == "recipe":
                recipe = getattr(self.recipes, message["recipe"])
                args = self._materialize(message.get("args", []))
                return {"ok": True, "value": recipe(self.namespace, *args)}
            return {"ok": False, "kind": "protocol", "error": f"unknown operation {op!r}"}
        except LookupError as exc:
            if op in ("get", "call") and "name" in message and message["name"] not in self.namespace:
                return {"ok": False, "kind": "missing", "error": f"the notebook defines no `{message['name']}`"}
            return {"ok": False, "kind": "raised", "error": _describe(exc)}
        except BaseException as exc:
            return {"ok": False, "kind": "raised", "error": _describe(exc)}
        finally:
            _close_figures()

    def send(self, fd, reply) -> None:
        torch = self._torch()
        try:
            self.wire.send(fd, reply, torch)
        except self.wire.WireError as exc:
            self.wire.send(fd, {"ok": False, "kind": "type", "error": f"returned {exc}; expected numbers, lists or arrays"})
        except Exception as exc:  # e.g. RecursionError: a list that contains itself
            self.wire.send(fd, {"ok": False, "kind": "type", "error": f"returned data that cannot be sent: {_describe(exc)}"})


def serve(cmd_fd: int, reply_fd: int, log_path: str, wire, recipes, shell=None) -> None:
    """Run the notebook's first cells, then answer the grader's calls and run further cells
    ({"op": "advance"}) until told to exit.

    `shell`: a ready capture.KernelLikeShell (a zygote makes it before forking), or None to make
    one when the grader asks for the cells' outputs.
    """
    _print_into_log(log_path)
    start = wire.receive(cmd_fd)
    if not start.get("capture"):
        shell = None
    elif shell is None:
        shell = load_sibling("capture").KernelLikeShell()
    namespace = shell.namespace if shell is not None else _plain_namespace()
    session = Session(wire, recipes, namespace)

    # {cell index: (seconds, why)}: cells with a budget of their own, under the cell timeout
    budgets = {index: (float(seconds), str(why)) for index, seconds, why in start.get("cell_budgets") or []}

    def run(cells, first_count: int) -> None:
        """Run `cells` with progress reports, then send the ready message with their outputs and times."""
        began, timings = time.monotonic(), {}
        ran = run_cells(cells, namespace, lambda m: wire.send(reply_fd, m), start["cell_timeout"],
                        set(start.get("slow_cells", [])), start.get("slow_timeout", 2.0), shell, first_count,
                        budgets, timings)
        errors, outputs = ran if shell is not None else (ran, None)
        session.send(reply_fd, {"ok": True, "ready": True, "cell_errors": errors, "outputs": outputs,
                                "seconds": time.monotonic() - began,
                                "cell_seconds": [[index, seconds] for index, seconds in timings.items()]})

    run(start["cells"], 1)
    _answer(cmd_fd, reply_fd, session, run, len(start["cells"]) + 1)
    os._exit(0)


def _print_into_log(log_path: str) -> None:
    """The student's prints go to a log, never into the grader's channel; no stdin."""
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    sys.stdin = open(os.devnull)


def _plain_namespace() -> dict:
    """The notebook's namespace without a kernel: magics and shell escapes do nothing."""
    return {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _QuietShell}


def _answer(cmd_fd: int, reply_fd: int, session: Session, run, count: int) -> None:
    """Answer the grader's requests until it says exit (or goes); `run` runs the next cells,
    the first of them as the kernel's `count`-th."""
    while True:
        try:
            message = session.wire.receive(cmd_fd)
        except EOFError:
            return
        if message.get("op") == "exit":
            return
        if message.get("op") == "advance":
            # the next cells of the notebook, as a kernel runs them after the ones before
            run(message["cells"], count)
            count += len(message["cells"])
            continue
        session.send(reply_fd, session.handle(message))


def main() -> None:
    if sys.argv[1] == "--zygote":
        load_sibling("zygote").main(sys.argv[2:], sys.modules[__name__])
        return
    cmd_fd, reply_fd, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    wire = load_sibling("wire")
    recipes = load_sibling("recipes")
    hide_course_package()
    serve(cmd_fd, reply_fd, log_path, wire, recipes)


if __name__ == "__main__":
    main()
