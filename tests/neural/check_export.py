#!/usr/bin/python3
"""Checks an `mre neural export` directory (issue 24, "the exported ONNX and TorchScript models
reproduce LibTorch's outputs to 1e-5").

  check_export.py DIR

DIR holds what the export wrote: manifest.json, weights.f32, reference.json (windows and the
probabilities the C++ LibTorch forward gave for them), model.pt and model.onnx. This script
  1. checks the Python twin's parameter layout (tools/neural_export.py) equals the manifest's C++
     layout, name by name, shape by shape, in order, and that the count equals the weights';
  2. runs onnx.checker (python3-onnx) on model.onnx;
  3. evaluates model.pt with torch.jit.load (python3-torch) on the reference windows;
  4. evaluates model.onnx with the numpy interpreter below (no ONNX runtime is packaged in Debian
     12; OpenCV's dnn would need python3-opencv, not a dependency of mre, see docs/neural.md);
  5. requires both to equal the C++ probabilities within 1e-5 (absolute, per probability):
     float32 arithmetic in a different order (oneDNN/BLAS in LibTorch, numpy's float32 matmul
     here) differs by a few ulps of values <= 1, ~1e-7; a wrong weight, order or op is >1e-3.
It also checks that the interpreter refuses an operator it does not know (loudly, naming it).
Exit 0 when all pass; 1 naming the first failure.
"""

import json
import os
import sys

import numpy as np

TOLERANCE = 1e-5

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))


class UnknownOperator(Exception):
    pass


def attribute_values(node):
    import onnx
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}, onnx


def run_onnx(model, feeds):
    """Evaluates an ONNX graph with numpy, node by node in topological (file) order. Knows the
    operators torch.onnx.export emits for the attention network; anything else raises
    UnknownOperator naming it."""
    from onnx import numpy_helper
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        attrs, onnx = attribute_values(node)
        x = [values[name] if name else None for name in node.input]
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise UnknownOperator("operator %s of domain %s" % (op, node.domain))
        if op == "Constant":
            if "value" in attrs:
                out = numpy_helper.to_array(attrs["value"])
            elif "value_int" in attrs:
                out = np.array(attrs["value_int"], dtype=np.int64)
            elif "value_float" in attrs:
                out = np.array(attrs["value_float"], dtype=np.float32)
            elif "value_ints" in attrs:
                out = np.array(attrs["value_ints"], dtype=np.int64)
            elif "value_floats" in attrs:
                out = np.array(attrs["value_floats"], dtype=np.float32)
            else:
                raise UnknownOperator("Constant with attributes %s" % sorted(attrs))
        elif op == "Add":
            out = x[0] + x[1]
        elif op == "Sub":
            out = x[0] - x[1]
        elif op == "Mul":
            out = x[0] * x[1]
        elif op == "Div":
            out = x[0] / x[1]
        elif op == "MatMul":
            out = np.matmul(x[0], x[1])
        elif op == "Gemm":
            a = x[0].T if attrs.get("transA", 0) else x[0]
            b = x[1].T if attrs.get("transB", 0) else x[1]
            out = np.float32(attrs.get("alpha", 1.0)) * np.matmul(a, b)
            if len(x) > 2 and x[2] is not None:
                out = out + np.float32(attrs.get("beta", 1.0)) * x[2]
        elif op == "Relu":
            out = np.maximum(x[0], np.zeros((), dtype=x[0].dtype))
        elif op == "Softmax":
            axis = attrs.get("axis", -1)  # opset >= 13: one axis, default -1
            shifted = x[0] - np.max(x[0], axis=axis, keepdims=True)
            e = np.exp(shifted)
            out = e / np.sum(e, axis=axis, keepdims=True)
        elif op == "Transpose":
            out = np.transpose(x[0], attrs.get("perm"))
        elif op == "Reshape":
            if attrs.get("allowzero", 0):
                raise UnknownOperator("Reshape with allowzero=1")
            shape = [int(d) for d in x[1]]
            shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            out = np.reshape(x[0], shape)
        elif op == "Shape":
            if "start" in attrs or "end" in attrs:
                raise UnknownOperator("Shape with start/end")
            out = np.array(x[0].shape, dtype=np.int64)
        elif op == "Gather":
            out = np.take(x[0], x[1], axis=attrs.get("axis", 0))
        elif op == "Unsqueeze":
            axes = [int(a) for a in (x[1] if len(x) > 1 else attrs["axes"])]
            out = x[0]
            rank = out.ndim + len(axes)
            for axis in sorted(a % rank for a in axes):
                out = np.expand_dims(out, axis)
        elif op == "Squeeze":
            axes = x[1] if len(x) > 1 else attrs.get("axes")
            out = np.squeeze(x[0], axis=tuple(int(a) for a in axes) if axes is not None else None)
        elif op == "Concat":
            out = np.concatenate(x, axis=attrs["axis"])
        elif op == "Slice":
            starts, ends = x[1], x[2]
            axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
            steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
            index = [slice(None)] * x[0].ndim
            for s, e, a, st in zip(starts, ends, axes, steps):
                index[int(a)] = slice(int(s), int(e), int(st))
            out = x[0][tuple(index)]
        else:
            raise UnknownOperator("operator %s (node %s)" % (op, node.name))
        if len(node.output) != 1:
            raise UnknownOperator("operator %s with %d outputs" % (op, len(node.output)))
        values[node.output[0]] = out
    return [values[o.name] for o in model.graph.output]


def check_refuses_unknown_operator():
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Erf", ["x"], ["y"])], "unknown",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    try:
        run_onnx(helper.make_model(graph), {"x": np.zeros(1, dtype=np.float32)})
    except UnknownOperator as error:
        assert "Erf" in str(error), error
        return
    raise AssertionError("the interpreter ran an operator it does not know (Erf)")


def main(directory):
    import onnx
    import torch
    import neural_export

    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    twin = neural_export.make_twin(manifest["spec"])
    twin_layout = neural_export.layout(twin)
    assert twin_layout == manifest["parameters"], (
        "layout: Python twin %s, C++ %s" % (twin_layout, manifest["parameters"]))
    count = sum(p.numel() for p in twin.parameters())
    assert count == manifest["weights_count"], (count, manifest["weights_count"])
    assert os.path.getsize(os.path.join(directory, manifest["weights_file"])) == 4 * count

    with open(os.path.join(directory, "reference.json"), encoding="utf-8") as handle:
        reference = json.load(handle)
    windows = np.asarray(reference["windows"], dtype=np.float32)
    expected = np.asarray(reference["probabilities"], dtype=np.float64)
    assert windows.ndim == 3 and windows.shape[0] >= 2, windows.shape
    assert expected.shape == (windows.shape[0], manifest["spec"]["classes"]), expected.shape
    # The reference must discriminate: probabilities that differ between windows and from uniform.
    assert np.ptp(expected, axis=0).max() > 1e-3, "reference probabilities barely vary"

    onnx_model = onnx.load(os.path.join(directory, "model.onnx"))
    onnx.checker.check_model(onnx_model)
    ops = sorted({node.op_type for node in onnx_model.graph.node})

    scripted = torch.jit.load(os.path.join(directory, "model.pt"))
    with torch.no_grad():
        torchscript = scripted(torch.from_numpy(windows)).double().numpy()
    (onnx_out,) = run_onnx(onnx_model, {onnx_model.graph.input[0].name: windows})

    check_refuses_unknown_operator()
    failures = []
    for name, got in (("TorchScript (torch.jit.load)", torchscript),
                      ("ONNX (numpy interpreter)", np.asarray(onnx_out, dtype=np.float64))):
        if got.shape != expected.shape:
            failures.append("%s: shape %s, LibTorch %s" % (name, got.shape, expected.shape))
            continue
        gap = float(np.max(np.abs(got - expected)))
        print("%s vs LibTorch (C++): max |difference| %.3g over %d windows" %
              (name, gap, windows.shape[0]))
        if not gap <= TOLERANCE:
            failures.append("%s differs from LibTorch by %.3g > %g" % (name, gap, TOLERANCE))
    print("ONNX operators: %s; onnx.checker passed" % ", ".join(ops))
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(1)
    sys.exit(main(sys.argv[1]))
