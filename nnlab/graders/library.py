"""Handles to library objects made inside the student's process.

Some student functions take a function or a class (`numerical_derivative(f, x)`,
`MLP(sizes, activation)`). Functions cannot travel as plain data, so the grader asks the
student's process to import the library object there and keeps only a handle to it.
"""
from __future__ import annotations


def library_module(student, name: str):
    """A handle to a module (numpy, torch.nn, functools, ...) imported in the student's process."""
    builtins = student.get("__builtins__", keep=True)
    return student.call_method(builtins, "__import__", name, None, None, ["__name__"], keep=True)


def library_object(student, dotted: str):
    """A handle to a library object (numpy.var, torch.sin, torch.nn.ReLU, ...) of the student's process."""
    module_name, attribute = dotted.rsplit(".", 1)
    builtins = student.get("__builtins__", keep=True)
    return student.call_method(builtins, "getattr", library_module(student, module_name), attribute, keep=True)
