#!/usr/bin/python3
"""Export mre's attention regime model to TorchScript and ONNX (issue 24, docs/neural.md).

The C++ API of LibTorch cannot trace a C++ nn::Module, so this is a Python twin of the one
architecture in src/mre/neural/attention.h (the spec in docs/neural.md, "Export"), built over
Debian's python3-torch. The C++ weights are the source of truth: `mre neural export` writes them
beside a manifest, this script checks their count and checksum, loads them in registration order
into the twin (refusing any name or shape that differs from the manifest's C++ layout) and writes

  DIR/model.pt    TorchScript (torch.jit.trace of the twin in eval mode)
  DIR/model.onnx  ONNX (torch.onnx.export, opset 13; input "windows" [B, L, F] raw features,
                  output "probabilities" [B, C]; the batch dimension is dynamic)

Both take raw feature windows (oldest day first, last row = day t): the per-input standardisation
is part of the graph.

Usage:
  neural_export.py DIR                    export DIR/manifest.json + its weights into DIR
  neural_export.py --layout SPEC_JSON     print the twin's parameter names and shapes as JSON
                                          (SPEC_JSON: {"inputs":..,"hidden":..,...})
Exit status: 0 done; 2 bad manifest or weights (named on stderr); 5 python3-torch or python3-onnx
missing (named).
"""

import json
import math
import os
import struct
import sys

MANIFEST_FORMAT = "mre.neural.attention.export/1"
ONNX_OPSET = 13  # python3-onnx 1.12's checker knows opsets up to 17; 13 has Softmax over one axis


def fail(code, message):
    sys.stderr.write("neural_export.py: " + message + "\n")
    sys.exit(code)


try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:  # pragma: no cover - exercised only on a machine without the package
    fail(5, "cannot import torch and numpy under %s: %s (Debian packages python3-torch and "
            "python3-numpy; use Debian's /usr/bin/python3)" % (sys.executable, error))


def fnv1a64_hex(data):
    """FNV-1a 64 over bytes, 16 hex digits: the checksum the store keeps beside the weights."""
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


class AttentionRegimeModel(nn.Module):
    """The twin of the C++ AttentionNet (neural_spec.md, "Forward"): submodules registered in the
    C++ order, so named_parameters() lists input.weight, input.bias, position, query.*, key.*,
    value.*, output.*, hidden.*, classifier.*."""

    def __init__(self, inputs, hidden, heads, classes, window, dropout=0.0):
        super().__init__()
        if heads <= 0 or hidden % heads != 0:
            raise ValueError("hidden %d is not a positive multiple of heads %d" % (hidden, heads))
        self.width = hidden
        self.heads = heads
        self.head_size = hidden // heads
        self.window = window
        self.input = nn.Linear(inputs, hidden)
        self.position = nn.Parameter(torch.zeros(window, hidden))
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)
        self.hidden = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, classes)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("input_mean", torch.zeros(inputs))
        self.register_buffer("input_sd", torch.ones(inputs))

    def forward(self, x):
        # x: [B, L, F] raw features, oldest day first.
        batch = x.shape[0]
        z = (x - self.input_mean) / self.input_sd
        h = self.input(z) + self.position  # [B, L, H]
        last = h[:, self.window - 1, :]  # [B, H]
        q = self.query(last).reshape(batch, self.heads, 1, self.head_size)
        k = self.key(h).reshape(batch, self.window, self.heads, self.head_size).transpose(1, 2)
        v = self.value(h).reshape(batch, self.window, self.heads, self.head_size).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_size)
        a = torch.softmax(scores, dim=-1)  # [B, heads, 1, L]
        ctx = torch.matmul(a, v).reshape(batch, self.width)  # heads concatenated in order
        y = self.output(ctx) + last
        y = torch.relu(self.hidden(self.dropout(y)))
        logits = self.classifier(self.dropout(y))
        return torch.softmax(logits, dim=-1)


def spec_sizes(spec):
    try:
        sizes = {k: int(spec[k]) for k in ("inputs", "hidden", "heads", "classes", "window")}
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError("spec lacks a positive integer %s" % error)
    for name, value in sizes.items():
        if value <= 0:
            raise ValueError("spec.%s is %d; must be positive" % (name, value))
    return sizes


def make_twin(spec):
    return AttentionRegimeModel(dropout=float(spec.get("dropout", 0.0)), **spec_sizes(spec))


# The flat weights' order (neural_spec.md, "Parameters"; attention.cc's NetImpl::ordered()). Not
# named_parameters()' order, which lists this module's own `position` before the submodules'.
PARAMETER_ORDER = ["input.weight", "input.bias", "position"] + [
    "%s.%s" % (layer, kind) for layer in ("query", "key", "value", "output", "hidden", "classifier")
    for kind in ("weight", "bias")]


def ordered_parameters(model):
    named = dict(model.named_parameters())
    if sorted(named) != sorted(PARAMETER_ORDER):
        raise ValueError("the twin's parameters %s are not the spec's %s" %
                         (sorted(named), sorted(PARAMETER_ORDER)))
    return [(name, named[name]) for name in PARAMETER_ORDER]


def layout(model):
    return [{"name": name, "shape": list(p.shape)} for name, p in ordered_parameters(model)]


def load_manifest(directory):
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise ValueError("%s: %s" % (path, error))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError("%s: format is %r, expected %r" % (path, manifest.get("format"),
                                                           MANIFEST_FORMAT))
    return path, manifest


def load_twin(directory):
    """The twin with the manifest's weights and standardisation, in eval mode."""
    path, manifest = load_manifest(directory)
    spec = manifest.get("spec", {})
    try:
        model = make_twin(spec)
    except ValueError as error:
        raise ValueError("%s: %s" % (path, error))
    # The C++ layout must be the twin's, name by name and shape by shape, in order.
    cpp_layout = manifest.get("parameters")
    twin_layout = layout(model)
    if cpp_layout != twin_layout:
        raise ValueError("%s: the C++ model's parameters %s differ from the Python twin's %s" %
                         (path, json.dumps(cpp_layout), json.dumps(twin_layout)))
    weights_path = os.path.join(directory, manifest.get("weights_file", "weights.f32"))
    try:
        with open(weights_path, "rb") as handle:
            blob = handle.read()
    except OSError as error:
        raise ValueError("%s: %s" % (weights_path, error))
    expected_count = sum(p.numel() for p in model.parameters())
    if len(blob) != 4 * expected_count or manifest.get("weights_count") != expected_count:
        raise ValueError("%s: %d bytes (manifest: %s floats); the spec needs %d floats" %
                         (weights_path, len(blob), manifest.get("weights_count"), expected_count))
    checksum = fnv1a64_hex(blob)
    if checksum != manifest.get("weights_checksum"):
        raise ValueError("%s: checksum %s differs from the manifest's %s (corrupt weights)" %
                         (weights_path, checksum, manifest.get("weights_checksum")))
    flat = np.frombuffer(blob, dtype="<f4")
    offset = 0
    with torch.no_grad():
        for _, parameter in ordered_parameters(model):
            n = parameter.numel()
            parameter.copy_(torch.from_numpy(flat[offset:offset + n].copy()).view_as(parameter))
            offset += n
        for name in ("input_mean", "input_sd"):
            values = manifest.get(name)
            if not isinstance(values, list) or len(values) != spec_sizes(spec)["inputs"]:
                raise ValueError("%s: %s must hold %d numbers" % (path, name,
                                                                  spec_sizes(spec)["inputs"]))
            getattr(model, name).copy_(torch.tensor(values, dtype=torch.float32))
    if not bool(torch.all(model.input_sd > 0)):
        raise ValueError("%s: input_sd must be positive" % path)
    model.eval()
    return model, manifest


def export(directory):
    model, manifest = load_twin(directory)
    try:
        import onnx
    except ImportError as error:
        fail(5, "cannot import onnx under %s: %s (Debian package python3-onnx)" %
             (sys.executable, error))
    sizes = spec_sizes(manifest["spec"])
    example = torch.zeros(2, sizes["window"], sizes["inputs"])
    torch.manual_seed(0)
    example.normal_()
    example = example * model.input_sd + model.input_mean
    pt_path = os.path.join(directory, "model.pt")
    onnx_path = os.path.join(directory, "model.onnx")
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        traced.save(pt_path + ".tmp")
        torch.onnx.export(model, example, onnx_path + ".tmp", input_names=["windows"],
                          output_names=["probabilities"],
                          dynamic_axes={"windows": {0: "batch"}, "probabilities": {0: "batch"}},
                          opset_version=ONNX_OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(onnx_path + ".tmp"))
    os.replace(pt_path + ".tmp", pt_path)
    os.replace(onnx_path + ".tmp", onnx_path)
    print("neural_export.py: model.pt and model.onnx written (ONNX opset %d, %d parameters)" %
          (ONNX_OPSET, sum(p.numel() for p in model.parameters())))


def main(argv):
    if len(argv) == 3 and argv[1] == "--layout":
        with open(argv[2], encoding="utf-8") as handle:
            spec = json.load(handle)
        print(json.dumps(layout(make_twin(spec))))
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write(__doc__)
        return 1
    try:
        export(argv[1])
    except ValueError as error:
        fail(2, str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
