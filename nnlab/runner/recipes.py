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
