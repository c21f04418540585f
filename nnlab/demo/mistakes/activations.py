"""Typical mistakes in the activations notebook (see the package docstring).

Each answer cell holds several functions, so each wrong answer is a right answer (below, in a
student's own words) with a line or two changed by `_wrong`, which fails loudly if the line to
change is not there.

Cascades: `d_softplus` (rectifiers cell) returns the student's own `logistic` (smooth cell), so
a `logistic` that overflows also costs the softplus large-input test. Within a cell, `d_logistic`
calls `logistic`, `d_tanh` calls `tanh` and `d_elu` calls `elu`. The derivative tools and the chain of
Question 5 are graded with library functions (numpy.exp, torch.sin, numpy.cos, ...), never with the
student's activations, so no mistake in Questions 1-3 reaches them.
"""
from nnlab.demo.mistakes import MistakeSet, edited

FULL = {"test_step_like": 2.0, "test_smooth": 3.0, "test_rectifiers": 4.0, "test_derivative_tools": 3.0,
        "test_vanishing": 3.0}


STEP_LIKE = '''\
def identity(x):
    return scalar_or_array(np.array(x, dtype=float))


def d_identity(x):
    x = as_float_array(x)
    return scalar_or_array(np.ones(x.shape))


def binary_step(x):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, 1.0, 0.0))


def d_binary_step(x):
    x = as_float_array(x)
    return scalar_or_array(np.where(x == 0, np.nan, 0.0))
'''

SMOOTH = '''\
def logistic(x):
    x = as_float_array(x)
    small = np.exp(-np.abs(x))
    return scalar_or_array(np.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small)))


def d_logistic(x):
    f = as_float_array(logistic(x))
    return scalar_or_array(f * (1.0 - f))


def tanh(x):
    return scalar_or_array(np.tanh(as_float_array(x)))


def d_tanh(x):
    f = as_float_array(tanh(x))
    return scalar_or_array(1.0 - f ** 2)


def arctan(x):
    return scalar_or_array(np.arctan(as_float_array(x)))


def d_arctan(x):
    x = as_float_array(x)
    return scalar_or_array(1.0 / (1.0 + x ** 2))
'''

RECTIFIERS = '''\
def relu(x):
    x = as_float_array(x)
    return scalar_or_array(np.maximum(x, 0.0))


def d_relu(x):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, 1.0, 0.0))


def prelu(x, alpha=0.25):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, x, alpha * x))


def d_prelu(x, alpha=0.25):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, 1.0, alpha))


def elu(x, alpha=1.0):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0))))


def d_elu(x, alpha=1.0):
    x = as_float_array(x)
    return scalar_or_array(np.where(x >= 0, 1.0, as_float_array(elu(x, alpha)) + alpha))


def softplus(x):
    return scalar_or_array(np.logaddexp(0.0, as_float_array(x)))


def d_softplus(x):
    return logistic(x)
'''

DERIVATIVE_TOOLS = '''\
def numerical_derivative(f, x, h=1e-5):
    x = as_float_array(x)
    return scalar_or_array((as_float_array(f(x + h)) - as_float_array(f(x - h))) / (2 * h))


def autograd_derivative(torch_fn, x):
    t = torch.tensor(as_float_array(x), dtype=torch.float64, requires_grad=True)
    torch_fn(t).sum().backward()
    return scalar_or_array(t.grad.detach().numpy())
'''

VANISHING = '''\
def chain_forward(activation, x, weights):
    z = np.zeros(len(weights))
    h = x
    for k in range(len(weights)):
        z[k] = weights[k] * h
        h = activation(z[k])
    return z


def chain_gradient(d_activation, pre_activations, weights):
    factors = d_activation(pre_activations) * weights
    g = np.zeros(len(factors))
    running = 1.0
    for k in reversed(range(len(factors))):
        running = running * factors[k]
        g[k] = running
    return g
'''

MISTAKE_SETS = [
    MistakeSet(
        name="strict thresholds at 0, an overflowing logistic, a tensor handed back",
        answers={
            # binary_step(0) gives 0: "> 0" instead of ">= 0".
            "step_like": edited(STEP_LIKE, ("np.where(x >= 0, 1.0, 0.0))\n\n\ndef d_binary_step",
                                            "np.where(x > 0, 1.0, 0.0))\n\n\ndef d_binary_step")),
            # the literal formula: exp(-x) overflows (with a RuntimeWarning) for x < -709.
            "smooth": edited(SMOOTH, ("    small = np.exp(-np.abs(x))\n"
                                      "    return scalar_or_array(np.where(x >= 0, 1.0 / (1.0 + small), "
                                      "small / (1.0 + small)))\n",
                                      "    return scalar_or_array(1.0 / (1.0 + np.exp(-x)))\n")),
            # PyTorch's convention at the kink (derivative 0 or alpha at x = 0), not the lecture's.
            "rectifiers": edited(RECTIFIERS, ("np.where(x >= 0, 1.0, 0.0)", "np.where(x > 0, 1.0, 0.0)"),
                                 ("np.where(x >= 0, 1.0, alpha)", "np.where(x > 0, 1.0, alpha)"),
                                 ("np.where(x >= 0, 1.0, as_float_array", "np.where(x > 0, 1.0, as_float_array")),
            # returns x's gradient as it is: a torch tensor (a 0-d tensor for a number).
            "derivative_tools": edited(DERIVATIVE_TOOLS, ("    return scalar_or_array(t.grad.detach().numpy())\n",
                                                          "    return t.grad\n")),
            # the local factors without the weights: the product of the derivatives only.
            "vanishing": edited(VANISHING, ("    factors = d_activation(pre_activations) * weights\n",
                                            "    factors = d_activation(pre_activations)\n")),
        },
        # binary_step(0): only its at-zero test. The naive logistic warns for |x| up to 1e4: its
        # large-input test, and through d_softplus = logistic (a cascade) softplus's too. The
        # rectifiers lose the conventions-at-0 test only (the other tests keep x away from 0).
        # The tensor has the right values (float64 too): it fails only the test of the forms of the
        # tools' answers (a number for a number, a numpy array for an array).
        # chain_gradient without the weights: its values and edge tests (one unit with w != 1 too);
        # chain_forward is right.
        # Judged as one program, the rectifiers lose 0.25 more (softplus and its derivative call the
        # overflowing logistic); with it carried forward they are judged on their own.
        expected={"test_step_like": 1.5, "test_smooth": 2.5, "test_rectifiers": 3.5, "test_derivative_tools": 2.75,
                  "test_vanishing": 1.5},
        alone={"test_rectifiers": 3.25},
    ),
    MistakeSet(
        name="a derivative that is never undefined, tanh' from x, a naive softplus, a one-sided difference",
        answers={
            # d_binary_step is 0 everywhere, also at the jump where it should be nan.
            "step_like": edited(STEP_LIKE, ("np.where(x == 0, np.nan, 0.0)", "np.zeros(x.shape)")),
            # 1 - x^2 instead of 1 - f(x)^2: right at 0 only.
            "smooth": edited(SMOOTH, ("    f = as_float_array(tanh(x))\n    return scalar_or_array(1.0 - f ** 2)\n",
                                      "    x = as_float_array(x)\n    return scalar_or_array(1.0 - x ** 2)\n")),
            # ln(1 + e^x) as written: inf (and an overflow warning) from x = 710 on.
            "rectifiers": edited(RECTIFIERS, ("np.logaddexp(0.0, as_float_array(x))",
                                              "np.log(1.0 + np.exp(as_float_array(x)))")),
            # the forward difference (f(x + h) - f(x)) / h: right to about h, not h^2.
            "derivative_tools": edited(DERIVATIVE_TOOLS,
                                       ("(as_float_array(f(x + h)) - as_float_array(f(x - h))) / (2 * h)",
                                        "(as_float_array(f(x + h)) - as_float_array(f(x))) / h")),
            # the unit's output f(w h) stored instead of its pre-activation w h.
            "vanishing": edited(VANISHING, ("        z[k] = weights[k] * h\n        h = activation(z[k])\n",
                                            "        z[k] = activation(weights[k] * h)\n        h = z[k]\n")),
        },
        # d_tanh: the lecture's d_tanh(0) = 1 still holds; the random and the large-input tests of
        # tanh/arctan fail. The one-sided difference is within 1e-4 of the derivative (the values
        # tests) but not the central difference the exact-h test asks for. chain_forward returning the
        # outputs h fails both of its tests (a chain of one unit too); chain_gradient is right.
        expected={"test_step_like": 1.5, "test_smooth": 2.0, "test_rectifiers": 3.75, "test_derivative_tools": 2.5,
                  "test_vanishing": 2.0},
    ),
    MistakeSet(
        name="identity hands back its input, a precedence slip, ReLU in place, a fixed alpha, float32 autograd",
        answers={
            # returns the very object it was given: the caller's array, not a new one.
            "step_like": edited(STEP_LIKE, ("    return scalar_or_array(np.array(x, dtype=float))\n",
                                            "    return x\n")),
            # 1 / 1 + x ** 2 is 1 + x^2.
            "smooth": edited(SMOOTH, ("1.0 / (1.0 + x ** 2)", "1.0 / 1.0 + x ** 2")),
            # relu zeroes the negative entries of the caller's array; prelu ignores its alpha.
            "rectifiers": edited(RECTIFIERS, ("    return scalar_or_array(np.maximum(x, 0.0))\n",
                                              "    x[x < 0] = 0.0\n    return scalar_or_array(x)\n"),
                                 ("np.where(x >= 0, x, alpha * x)", "np.where(x >= 0, x, 0.25 * x)")),
            # float32 tensors: the derivative is right to about 1e-7 only.
            "derivative_tools": edited(DERIVATIVE_TOOLS, ("dtype=torch.float64", "dtype=torch.float32")),
            # the product taken from the bottom up: g[k] multiplies the layers 0 .. k, not k .. L-1.
            "vanishing": edited(VANISHING, ("    for k in reversed(range(len(factors))):\n",
                                            "    for k in range(len(factors)):\n")),
        },
        # identity: its new-array test only (arrays come back aliased). d_arctan is wrong everywhere but
        # at 0: lecture values, random and large-input tests of tanh/arctan. relu's values are right
        # (inputs-kept test fails); prelu with alpha = 0.1 or a random alpha fails the lecture and
        # random tests. float32 fails only the float64 test (values agree to 1e-5 elsewhere). The
        # bottom-up product is right for one unit only: its values and edge tests fail (the dead unit zeroes
        # the layers above it instead of those below).
        expected={"test_step_like": 1.75, "test_smooth": 1.5, "test_rectifiers": 2.75, "test_derivative_tools": 2.5,
                  "test_vanishing": 1.5},
    ),
]
