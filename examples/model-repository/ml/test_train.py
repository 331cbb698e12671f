"""Unit tests of the trainer and its ONNX export (pytest, run by pr.yml and ci.yml)."""

import json
import os

import numpy as np
import onnx
import pandas as pd
import pytest

import train
from onnx_export import float32_floor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A stratified slice of the training data, small enough to train in a second."""
    df = pd.read_csv(os.path.join(DATA, "train.csv"))
    rows = pd.concat([df[df["Machine failure"] == 1].head(60), df[df["Machine failure"] == 0].head(900)]).sort_index()
    path = tmp_path_factory.mktemp("data") / "small.csv"
    rows.to_csv(path, index=False)
    return str(path)


def run(tmp_path, *argv, params=None):
    out = tmp_path / "out"
    env = {"MLOPS_PARAMS": json.dumps(params or {"n_estimators": 20})}
    assert train.main([*argv, "--out", str(out)], env) == 0
    return out


def tree_probability(model, x):
    """P(positive) from the exported arrays, walked in float32 as onnxruntime walks them."""
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in model.graph.node[-1].attribute}
    modes = [m.decode() for m in attrs["nodes_modes"]]
    key = list(zip(attrs["nodes_treeids"], attrs["nodes_nodeids"]))
    index = {k: i for i, k in enumerate(key)}
    leaf = {(t, n): w for t, n, w in zip(attrs["class_treeids"], attrs["class_nodeids"], attrs["class_weights"])}
    scores = np.full(len(x), attrs["base_values"][0], dtype=np.float64)
    for row, values in enumerate(x):
        for tree in sorted(set(attrs["nodes_treeids"])):
            i = index[(tree, 0)]
            while modes[i] != "LEAF":
                go_left = np.float32(values[attrs["nodes_featureids"][i]]) <= np.float32(attrs["nodes_values"][i])
                i = index[(tree, attrs["nodes_truenodeids"][i] if go_left else attrs["nodes_falsenodeids"][i])]
            scores[row] += leaf[key[i]]
    return 1 / (1 + np.exp(-scores))


def test_writes_model_metrics_and_parity(tmp_path, small):
    out = run(tmp_path, "--data", small, "--holdout", small)
    model = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["Type", *train.NUMERIC]
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rows"] == 960 and metrics["train_rows"] == 960 and 0.5 < metrics["roc_auc"] <= 1
    assert len(pd.read_csv(out / "parity.csv")) == 960


def test_the_exported_trees_compute_what_scikit_learn_computes(tmp_path, small):
    out = run(tmp_path, "--data", small, "--holdout", small)
    df = pd.read_csv(small)
    expected = pd.read_csv(out / "parity.csv")["probability"].to_numpy()
    got = tree_probability(onnx.load(str(out / "model.onnx")), train.features(df))
    assert np.max(np.abs(got - expected)) < 1e-5


def test_sample_trains_on_a_stratified_share(tmp_path, small):
    out = run(tmp_path, "--data", small, "--holdout", small, "--sample", "0.5")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_rows"] == 480 and metrics["sample"] == 0.5


def test_trains_on_every_data_given_and_the_csv_files_of_a_folder(tmp_path, small):
    # A dataset snapshot of plant rows: the model's columns among ids, times and captured predictions.
    snapshot = tmp_path / "dataset" / "files"
    snapshot.mkdir(parents=True)
    plant = pd.read_csv(small).head(300).assign(id="plant-a-1", time="2024-05-01T08:00:00Z", probabilities_1=0.1)
    plant.to_csv(snapshot / "labelled.csv", index=False)
    out = run(tmp_path, "--data", small, "--data", str(tmp_path / "dataset"), "--holdout", small)
    assert json.loads((out / "metrics.json").read_text())["train_rows"] == 960 + 300
    (tmp_path / "empty").mkdir()
    with pytest.raises(train.UserError, match="a folder without .csv or .parquet files"):
        run(tmp_path, "--data", small, "--data", str(tmp_path / "empty"))


def test_rejects_a_bad_sample_and_a_missing_label(tmp_path, small):
    with pytest.raises(SystemExit):
        train.parse_args(["--data", small, "--sample", "0"])
    with pytest.raises(train.UserError, match="column 'nope' not found"):
        run(tmp_path, "--data", small, "--label", "nope")


def test_float32_floor_keeps_every_split_decision():
    x = np.array([0.1, 0.2, 0.30000001, 1e6 + 0.5], dtype=np.float32)
    thresholds = (x.astype(np.float64) + np.nextafter(x, np.float32(np.inf)).astype(np.float64)) / 2
    floored = float32_floor(thresholds)
    assert all(floored <= thresholds)
    assert all((x <= floored) == (x.astype(np.float64) <= thresholds))
