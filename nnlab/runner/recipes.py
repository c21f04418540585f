"""Recipes: small instructor-written helpers that run inside the student's process and return
plain data (the graders ask for one by name: `StudentProcess.recipe("parameters", model)`).

They belong to the runner, not to the graders: no expected values, only ways to look at
objects that cannot leave the student's process (a torch module, an optimizer).
Each takes the notebook's namespace first.
"""
import contextlib


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


@contextlib.contextmanager
def _warnings_raised():
    """Every warning raised as an error, but deprecation notices (a library's, not the student's
    doing, and not shown for library code): under nbgrader a warning on stderr costs the cell."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        yield


def _type_name(value) -> str:
    """The type of `value` as "module.Name" (e.g. "numpy.ndarray", "builtins.float", "torch.Tensor")."""
    return f"{type(value).__module__}.{type(value).__qualname__}"


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
    import numpy as np

    if name not in namespace:
        raise NameError(f"the notebook defines no `{name}`")
    with _warnings_raised(), np.errstate(over="raise", invalid="raise", divide="raise"):
        value = namespace[name](*args, **kwargs)
    arrays = [arg if type(arg) is np.ndarray else None for arg in args]
    aliased = type(value) is np.ndarray and any(a is not None and np.may_share_memory(value, a) for a in arrays)
    return {"value": value, "type": _type_name(value), "arrays": arrays, "aliased": bool(aliased)}


def call_train(namespace, model, X, y, lr, epochs, clip_norm=None, loss_name="mse", optimizer_name="sgd",
               stale_grad=None):
    """Run the notebook's `train(model, X, y, loss_fn, optimizer, epochs)` with a loss and an
    optimizer made here (they cannot travel) and return what the call left behind, as plain data.

    loss_name: "mse" (nn.MSELoss()), "bce_logits" (nn.BCEWithLogitsLoss()) or "cross_entropy"
    (nn.CrossEntropyLoss()). optimizer_name: "sgd" (torch.optim.SGD(model.parameters(), lr=lr)) or
    "adam" (torch.optim.Adam(model.parameters(), lr=lr)). clip_norm: None calls `train` without it
    (its default), a number passes `clip_norm=` that number. stale_grad: None, or a number written
    into every parameter's `.grad` before the call (what a backward() without zero_grad leaves).
    Warnings are raised as errors, as in `call_strictly` (a warning on stderr costs a graded cell).

    Returns a dict: "losses" (train's result), "result_type" and "loss_types" (types as
    "module.Name"; loss_types is None unless the result is a list or tuple), "parameters" and
    "grads" (float64 arrays after the call, a grad None where there is none) and "X", "y" (the
    inputs as the call left them).
    """
    import torch

    losses = {"mse": torch.nn.MSELoss, "bce_logits": torch.nn.BCEWithLogitsLoss,
              "cross_entropy": torch.nn.CrossEntropyLoss}
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    if "train" not in namespace:
        raise NameError("the notebook defines no `train`")
    loss_fn = losses[loss_name]()
    optimizer = optimizers[optimizer_name](model.parameters(), lr=lr)
    if stale_grad is not None:
        for param in model.parameters():
            param.grad = torch.full_like(param, float(stale_grad))
    kwargs = {} if clip_norm is None else {"clip_norm": clip_norm}
    with _warnings_raised():
        result = namespace["train"](model, X, y, loss_fn, optimizer, epochs, **kwargs)
    return {
        "losses": result,
        "result_type": _type_name(result),
        "loss_types": [_type_name(v) for v in result] if type(result) in (list, tuple) else None,
        "parameters": parameters(namespace, model),
        "grads": [None if p.grad is None else p.grad.detach().cpu().double().numpy().copy()
                  for p in model.parameters()],
        "X": X,
        "y": y,
    }
