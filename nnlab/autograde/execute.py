"""ResilientExecute: nbgrader's Execute, where a kernel that dies costs one cell, not the notebook.

Stock nbgrader stops autograding a notebook when the kernel dies (os._exit, a segfault,
a memory kill): the student loses every question. Here the dead cell gets an error output,
a fresh kernel starts, and the remaining cells run in it, as they would if the student
had restarted the kernel. The hidden graders score the questions independently anyway.
"""
from __future__ import annotations

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute


class ResilientExecute(Execute):
    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.log.warning("The kernel died in cell %d; starting a fresh kernel for the remaining cells", index)
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="DeadKernelError",
                evalue="the Python kernel stopped while running this cell; later cells ran in a fresh kernel",
                traceback=["DeadKernelError: the Python kernel stopped while running this cell"],
            ))
            self._restart_kernel()
            return cell, self.resources

    def _restart_kernel(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        run_sync(self.km.restart_kernel)(now=True)
        self.start_new_kernel_client()
