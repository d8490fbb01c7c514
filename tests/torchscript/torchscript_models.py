"""Python models for the torchscript plugin's tests, written with torch.jit.script.

  torchscript_models.py write NAME OUT.pt        script model NAME (seeded) and save it to OUT.pt
  torchscript_models.py logits NAME CKPT MODE    load CKPT's state['model'] into a fresh NAME with
                                                 load_state_dict(strict=True) and print its logits on
                                                 fixed_input() in MODE (eval or train) as JSON hex floats
  torchscript_models.py fixture COMPOSER.pt OUT.pt
                                                 the Composer fixture's weights ('module.' stripped)
                                                 loaded into composer_fixture, scripted, saved; use
                                                 weights_ep1.pt (unpickling full_ep1.pt needs torchmetrics)

NAME is one of MODELS. `write composer_fixture model.pt` writes a module with exactly
the layout of the Composer fixture model (state_dict keys 0.weight, 0.bias, 2.weight,
2.bias), so a Composer checkpoint's weights load into it once 'module.' is stripped.
"""
import json
import sys

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Block(nn.Module):
    def __init__(self, width_in: int, width_out: int):
        super().__init__()
        self.fc = nn.Linear(width_in, width_out)
        self.norm = nn.BatchNorm1d(width_out)
        self.act = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.norm(self.fc(x)))


class Net(nn.Module):
    """Nested submodules, and batch norm so that state_dict holds buffers, which
    batch norm updates in place; samples_seen is a buffer assigned anew."""

    def __init__(self, features: int = 16, classes: int = 4):
        super().__init__()
        self.body = nn.Sequential(Block(features, 32), Block(32, 16))
        self.head = nn.Linear(16, classes)
        self.register_buffer('samples_seen', torch.zeros((), dtype=torch.long))

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            self.samples_seen = self.samples_seen + x.size(0)
        return self.head(self.body(x))


class ScaledLossNet(Net):
    """Net with its own loss: cross-entropy times 4. A power of two scales every
    gradient exactly, so with plain SGD it trains as Net does at 4 times the lr."""

    @torch.jit.export
    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return 4.0 * F.cross_entropy(outputs, targets)


class NoForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    @torch.jit.export
    def classify(self, x: Tensor) -> Tensor:
        return self.fc(x)


class OneArgumentLoss(Net):
    @torch.jit.export
    def loss(self, outputs: Tensor) -> Tensor:
        return outputs.sum()


class TupleForward(Net):
    def forward(self, x: Tensor):
        return self.head(self.body(x)), x


def composer_fixture() -> nn.Module:
    # /work/shared/reference/composer-fixtures/README.md: the network inside ComposerClassifier.
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


MODELS = {
    'net': Net,
    'scaled_loss': ScaledLossNet,
    'no_forward': NoForward,
    'one_argument_loss': OneArgumentLoss,
    'tuple_forward': TupleForward,
    'composer_fixture': composer_fixture,
}


def fixed_input() -> Tensor:
    # Multiples of 1/32: exact in float32, so C++ builds the same tensor bit for bit.
    return ((torch.arange(80, dtype=torch.float32) - 40) / 32).reshape(5, 16)


def write(name: str, out: str) -> None:
    torch.manual_seed(0)
    torch.jit.script(MODELS[name]()).save(out)


def logits(name: str, checkpoint: str, mode: str) -> None:
    model = MODELS[name]()
    model.load_state_dict(torch.load(checkpoint, map_location='cpu')['state']['model'], strict=True)
    model.train(mode == 'train')
    with torch.no_grad():
        values = model(fixed_input())
    print(json.dumps([[float(v).hex() for v in row] for row in values.tolist()]))


def fixture(composer_checkpoint: str, out: str) -> None:
    state = torch.load(composer_checkpoint, map_location='cpu')['state']['model']
    model = composer_fixture()
    model.load_state_dict({k[len('module.'):]: v for k, v in state.items() if k.startswith('module.')}, strict=True)
    torch.jit.script(model).save(out)


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    {'write': write, 'logits': logits, 'fixture': fixture}[command](*args)
