"""Small probes that run inside the student's process and return plain data.

They belong to the runner, not to the graders: no expected values, only ways to look at
objects that cannot leave the student's process (a torch module, an optimizer).
Each takes the notebook's namespace first.
"""


def module_summary(namespace, module):
    """Parameter count and shapes of an `nn.Module`, in registration order."""
    params = list(module.parameters())
    return {
        "num_params": int(sum(p.numel() for p in params)),
        "shapes": [list(p.shape) for p in params],
        "is_module": type(module).__mro__[-3].__name__ == "Module" or hasattr(module, "state_dict"),
    }


def parameters(namespace, module):
    """The module's parameters as float64 arrays, in registration order."""
    return [p.detach().cpu().double().numpy().copy() for p in module.parameters()]


def load_parameters(namespace, module, arrays):
    """Overwrite the module's parameters with `arrays` (same order as `parameters`)."""
    import torch

    with torch.no_grad():
        for param, array in zip(module.parameters(), arrays):
            param.copy_(torch.as_tensor(array, dtype=param.dtype).reshape(param.shape))
    return None


def call_strictly(namespace, name, args, kwargs):
    """The notebook's `name(*args, **kwargs)` as a graded cell sees it under nbgrader, where a
    warning printed on stderr costs the cell: every warning (but deprecation notices), and numpy's
    overflow, invalid and divide-by-zero conditions, are raised as errors (whatever `np.seterr`
    the notebook set).

    Returns a dict: "value" (the result), "type" (its type as "module.Name", e.g. "numpy.ndarray",
    "builtins.float", "torch.Tensor": plain data loses that difference), "arrays" (each numpy
    array argument as the call left it, None for the other arguments: to see changes to the
    inputs) and "aliased" (whether the result is, or is a view of, one of the array arguments).
    """
    import warnings

    import numpy as np

    if name not in namespace:
        raise NameError(f"the notebook defines no `{name}`")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A library's deprecation notice is not the student's doing (and not shown for library code).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = namespace[name](*args, **kwargs)
    arrays = [arg if type(arg) is np.ndarray else None for arg in args]
    aliased = type(value) is np.ndarray and any(a is not None and np.may_share_memory(value, a) for a in arrays)
    kind = type(value)
    return {"value": value, "type": f"{kind.__module__}.{kind.__qualname__}", "arrays": arrays,
            "aliased": bool(aliased)}
