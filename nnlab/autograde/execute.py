"""ResilientExecute: nbgrader's Execute, where a kernel that dies or stops answering costs
one cell, not the notebook.

Stock nbgrader stops autograding a notebook when the kernel dies (os._exit, a segfault,
a memory kill) or cannot be interrupted (a cell that patched the builtins the kernel itself
uses): the student loses every question and gets no feedback. Here that cell gets an error
output, a fresh kernel starts, and the remaining cells run in it, as they would if the
student had restarted the kernel. The hidden graders score the questions independently anyway.
"""
from __future__ import annotations

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute


class ResilientExecute(Execute):
    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError) as error:
            what = "stopped" if isinstance(error, DeadKernelError) else "stopped answering"
            self.log.warning("The kernel %s in cell %d; starting a fresh kernel for the remaining cells", what, index)
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=type(error).__name__,
                evalue=f"the Python kernel {what} while running this cell; later cells ran in a fresh kernel",
                traceback=[f"{type(error).__name__}: the Python kernel {what} while running this cell"],
            ))
            self._restart_kernel()
            return cell, self.resources

    def _restart_kernel(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        run_sync(self.km.restart_kernel)(now=True)
        self.start_new_kernel_client()
