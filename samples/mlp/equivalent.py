"""The Python module whose state_dict matches the C++ "mlp" model plugin.

    model = make_mlp(in_features=16, hidden=(64, 32), classes=4, dropout=0.0)
    model.load_state_dict(torch.load("ep1-ba8-rank0.pt")["state"]["model"])

Layout per hidden layer: Linear, ReLU, Dropout (kept even when dropout is 0,
so parameter names do not depend on it), then a final Linear. Parameter
names: "0.weight", "0.bias", "3.weight", ... as in the C++ torch::nn::Sequential.
"""

import torch.nn as nn


def make_mlp(in_features=16, hidden=(64, 32), classes=4, dropout=0.0):
    layers = []
    width = in_features
    for nxt in hidden:
        layers += [nn.Linear(width, nxt), nn.ReLU(), nn.Dropout(dropout)]
        width = nxt
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def make_mlp_from_config(config):
    """Same keys and defaults as the plugin's JSON config."""
    return make_mlp(
        in_features=config.get("in_features", 16),
        hidden=tuple(config.get("hidden", (64, 32))),
        classes=config.get("classes", 4),
        dropout=config.get("dropout", 0.0),
    )
