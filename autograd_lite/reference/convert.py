"""To and from ``nn``: the reference network as an ``nn.Sequential`` of Linear layers and activations holding the
same weights, and back (``nn`` is imported lazily, so the reference itself never touches the engine)."""

import numpy as np

from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, _cost
from .network import Network


def to_module(network, dtype=None):
    """An ``nn.Sequential`` of ``nn.Linear`` layers, each followed by the layer's activation module
    (``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``; nothing for ``Linear``, and nothing for a ``Softmax`` output:
    the engine applies ``log_softmax`` in its loss, so ``softmax(module(x.T), dim=1)`` is then the output),
    holding copies of the network's weights (``Linear.weight`` is ``weights[l]``, ``Linear.bias`` is
    ``biases[l][:, 0]``) in the network's dtype unless ``dtype`` is given. On rows: ``module(al.tensor(x.T))``
    is ``network.feedforward(x).T``."""
    from autograd_lite import nn

    dtype = network.dtype if dtype is None else dtype
    modules = {Sigmoid: nn.Sigmoid, Tanh: nn.Tanh, ReLU: nn.ReLU}
    layers = []
    for i, (w, b) in enumerate(zip(network.weights, network.biases)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        linear.weight._array[...] = w
        linear.bias._array[...] = b[:, 0]
        layers.append(linear)
        activation = network._layer_activation(i)
        if activation in modules:
            layers.append(modules[activation]())
    return nn.Sequential(*layers)


def from_module(model, cost=None, dtype=None):
    """A Network holding copies of the weights of ``model``: an ``nn.Sequential`` (or a single ``nn.Linear``)
    ``Linear, act, Linear, act, ..., Linear[, act]`` as ``to_module`` makes, every Linear with a bias, one
    hidden activation (``nn.Sigmoid``, ``nn.Tanh`` or ``nn.ReLU``) used throughout; after the last Linear one of
    those, or nothing (a linear output layer; a softmax one when ``cost`` is the log-likelihood), or
    ``nn.Softmax(dim=1)``. ``cost`` defaults to LogLikelihoodCost for a final ``nn.Softmax``, CrossEntropyCost
    for a final ``nn.Sigmoid``, QuadraticCost otherwise. ``dtype``: the model's unless given. Anything else is a
    ValueError saying what is not supported."""
    from autograd_lite import nn

    def refuse(problem):
        return ValueError(f"from_module: {problem}")

    if isinstance(model, nn.Linear):
        layers = [model]
    elif isinstance(model, nn.Sequential):
        layers = list(model)
    else:
        raise refuse(f"expected an nn.Sequential of Linear layers and activations, got {type(model).__name__}")
    if not layers:
        raise refuse("the Sequential is empty")
    modules = {nn.Sigmoid: Sigmoid, nn.Tanh: Tanh, nn.ReLU: ReLU}
    linears, activations = [], []
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Linear):
            if linears and activations[-1] is None:
                raise refuse(f"layer {i}: two Linear layers in a row (no activation between them) are not supported")
            if layer.bias is None:
                raise refuse(f"layer {i}: a Linear without bias is not supported")
            if linears and layer.in_features != linears[-1].out_features:
                raise refuse(
                    f"layer {i}: a Linear with {layer.in_features} inputs after one with "
                    f"{linears[-1].out_features} outputs"
                )
            linears.append(layer)
            activations.append(None)
        elif type(layer) in modules or type(layer) is nn.Softmax:
            if not linears or activations[-1] is not None:
                raise refuse(f"layer {i}: {type(layer).__name__} must follow a Linear (expected Linear here)")
            if type(layer) is nn.Softmax and layer.dim not in (1, -1):
                raise refuse(f"layer {i}: Softmax(dim={layer.dim}) is not supported; expected dim=1")
            activations[-1] = Softmax if type(layer) is nn.Softmax else modules[type(layer)]
        else:
            raise refuse(
                f"layer {i}: {type(layer).__name__} is not supported (expected Linear, Sigmoid, Tanh, "
                "ReLU, and Softmax as the output layer)"
            )
    hidden, output = activations[:-1], activations[-1]
    if any(a is None for a in hidden):
        raise refuse("every hidden Linear needs an activation after it")
    if any(a is Softmax for a in hidden):
        raise refuse("Softmax is supported only as the output layer")
    if len(set(hidden)) > 1:
        raise refuse(
            "the hidden layers use different activations "
            f"({', '.join(a.name for a in hidden)}); a Network has one hidden activation"
        )
    if cost is None:
        cost = {Softmax: LogLikelihoodCost, Sigmoid: CrossEntropyCost}.get(output, QuadraticCost)
    try:
        cost = _cost(cost)
    except ValueError as err:
        raise refuse(str(err)) from None
    if output is None:  # the last Linear's z: a linear output layer, or the softmax that to_module leaves out
        output = Softmax if issubclass(cost, LogLikelihoodCost) else Linear
    activation = hidden[0] if hidden else (Sigmoid if output is Softmax else output)
    dtype = linears[0].weight.dtype if dtype is None else dtype
    sizes = [linears[0].in_features] + [layer.out_features for layer in linears]
    try:
        net = Network(sizes, cost=cost, activation=activation, output_activation=output, dtype=dtype)
    except ValueError as err:
        raise refuse(str(err)) from None
    net.weights = [np.array(layer.weight.detach().numpy(), dtype=net.dtype) for layer in linears]
    net.biases = [np.array(layer.bias.detach().numpy(), dtype=net.dtype).reshape(-1, 1) for layer in linears]
    net._reset_velocities()
    return net
