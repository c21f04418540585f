"""The submitted notebook's functions read from its source, for the graders' rules about how an answer is
written ("no Python loop", "uses perceptron_output"): the student's cells as the student's process holds them."""
from __future__ import annotations

import ast


def notebook_definitions(student) -> dict[str, ast.AST]:
    """The last top-level definition of every function of the submitted notebook (def, lambda or alias)."""
    definitions: dict[str, ast.AST] = {}
    for _, source in student.cells:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                definitions[node.name] = node
            elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Lambda, ast.Name)):
                # `f = lambda ...` or `f = other_function`: followed; data assignments are not functions
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        definitions[target.id] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        definitions.pop(target.id, None)
    return definitions
