"""Figures of the autograded notebook: each comes out as a PNG of the cell that made it, drawn once.

The student's process runs the cells as a kernel would (`capture=True`); a first cell counts
every `Figure.draw`, by the figure's label, in the student's own namespace.
"""
from __future__ import annotations

import base64
import struct

import pytest

from nnlab.runner.student_process import StudentProcess

CELLS = [
    (0, "%matplotlib inline\n"  # as many students begin; it must not stop the cell
        "import matplotlib.figure, matplotlib.pyplot as plt\n"
        "draws = []\n"
        "_draw = matplotlib.figure.Figure.draw\n"
        "def counted(self, *args, **kwargs):\n"
        "    draws.append(self.get_label())\n"
        "    return _draw(self, *args, **kwargs)\n"
        "matplotlib.figure.Figure.draw = counted"),
    (1, "x = 1"),
    # the course's way: labels outside the axes, tight_layout(), show()
    (2, "fig, ax = plt.subplots(figsize=(6, 4), label='one')\n"
        "ax.plot([0, 1, 4]); ax.set_title('loss'); ax.set_xlabel('epoch')\n"
        "plt.tight_layout()\n"
        "plt.show()"),
    # several figures in one cell: one shown halfway, the others left open, shown when it ends
    (3, "plt.figure(figsize=(3, 2), label='two'); plt.plot([1, 2])\n"
        "plt.show()\n"
        "print('between')\n"
        "fig, axes = plt.subplots(1, 2, figsize=(8, 3), label='three'); axes[0].plot([3, 1])\n"
        "points = plt.figure(figsize=(4, 4), label='four').add_subplot().scatter([1], [2])"),
]


def png_size(output: dict) -> tuple[int, int]:
    """(width, height) of a display_data's PNG, from its IHDR chunk."""
    data = base64.b64decode(output["data"]["image/png"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def figures():
    with StudentProcess(CELLS, capture=True, cell_timeout=30.0, notebook_timeout=120.0) as student:
        run = student.start()
        yield run, student.get("draws")


def test_magic_matplotlib_inline_runs_as_in_a_kernel(figures):
    run, draws = figures
    assert run.cell_errors == []
    assert run.outputs[0][1] == [] and run.outputs[1][1] == []


def test_a_figure_is_a_png_of_the_cell_that_made_it_drawn_once(figures):
    run, draws = figures
    count, outputs = run.outputs[2]
    assert count == 3
    assert [o["output_type"] for o in outputs] == ["display_data"]
    assert outputs[0]["data"]["text/plain"] == "<Figure size 600x400 with 1 Axes>"  # the student's own dpi
    # the whole figure at 72 dpi: no tight bounding box crops it
    assert png_size(outputs[0]) == (6 * 72, 4 * 72)
    assert draws.count("one") == 1, "no layout pass before the drawing (tight bbox, tight_layout's engine)"


def test_several_figures_of_one_cell_all_appear_in_order(figures):
    run, draws = figures
    outputs = run.outputs[3][1]
    assert [o["output_type"] for o in outputs] == ["display_data", "stream", "display_data", "display_data"]
    assert outputs[1]["text"] == "between\n"
    assert [png_size(o) for o in outputs if o["output_type"] == "display_data"] == [(216, 144), (576, 216),
                                                                                    (288, 288)]
    assert draws == ["one", "two", "three", "four"]
