"""Trainer for the `train` action: scikit-learn in, ONNX and metrics out.

    python ml/train.py --data data/train.csv --holdout data/holdout.csv [--sample 0.2] [--label "Machine failure"]
    python ml/train.py --data data/train.csv --data "$MLOPS_DATASET_DIR" --holdout data/holdout.csv

--data may be given more than once: the rows of every file are trained on together. A folder (such as the
dataset snapshot `train` downloads to $MLOPS_DATASET_DIR) stands for the CSV and Parquet files in it; only the
model's columns are kept from each, so the plants' captured rows (with ids, times and predictions) fit beside
data/train.csv. Parquet needs pyarrow (`pip install pyarrow`); CSV needs nothing more.

Parameters come from $MLOPS_PARAMS (JSON, what `train` passes from `params:`), the seed from $MLOPS_SEED
when params has none, the output folder from $MLOPS_OUTPUT_DIR. Writes there:
- model.onnx: one [N, 1] input per column, outputs `label` and `probabilities` [N, 2] (ml/onnx_export.py);
- metrics.json: a flat map of finite numbers, measured on --holdout (the file the release gates use);
- parity.csv: scikit-learn's P(positive) for every --holdout row, in file order, for compare-models'
  parity-reference check that the ONNX graph computes what scikit-learn computes.
"""

import argparse
import glob
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from onnx_export import TYPE_CODES, to_onnx

NUMERIC = [
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]
DEFAULTS = {"model": "gbt", "seed": 42, "n_estimators": 150, "learning_rate": 0.1, "max_depth": 3, "test_fraction": 0.2}


class UserError(Exception):
    """A mistake in the arguments or the data: one line on stderr, exit code 2."""


def fraction(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1] (got {text})")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", required=True, action="append", help="training data: a CSV or Parquet file, or a folder of them; repeatable"
    )
    parser.add_argument("--holdout", help="evaluation data (CSV); default: a seeded stratified split of --data")
    parser.add_argument("--label", default="Machine failure", help="label column (0/1)")
    parser.add_argument("--sample", type=fraction, default=1.0, help="train on this stratified share of --data")
    parser.add_argument("--out", default=os.environ.get("MLOPS_OUTPUT_DIR", "out"))
    return parser.parse_args(argv)


def load_params(env):
    given = json.loads(env.get("MLOPS_PARAMS") or "{}")
    params = {**DEFAULTS, **given}
    if "seed" not in given and env.get("MLOPS_SEED"):
        params["seed"] = int(env["MLOPS_SEED"])
    return params


def files_of(path):
    if not os.path.isdir(path):
        return [path]
    found = sorted(
        f for pattern in ("*.csv", "*.parquet") for f in glob.glob(os.path.join(path, "**", pattern), recursive=True)
    )
    if not found:
        raise UserError(f"{path}: a folder without .csv or .parquet files. Pass the data files, or the folder that holds them.")
    return found


def read_file(path):
    if path.endswith(".parquet"):
        try:
            return pd.read_parquet(path)
        except ImportError as e:
            raise UserError(f"{path}: reading Parquet needs pyarrow ({e}). Add pyarrow to ml/requirements.txt, or pass CSV.")
    # utf-8-sig: the published AI4I file starts with a byte-order mark.
    return pd.read_csv(path, encoding="utf-8-sig")


def read_all(paths, label):
    """Every file of every --data, the model's columns only, in the order given."""
    frames = [read(f, label)[["Type", *NUMERIC, label]] for path in paths for f in files_of(path)]
    return pd.concat(frames, ignore_index=True)


def read(path, label):
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file or folder. Check the path given to --data or --holdout.")
    df = read_file(path)
    missing = [c for c in ["Type", *NUMERIC, label] if c not in df.columns]
    if missing:
        columns = ", ".join(df.columns)
        raise UserError(f"{path}: column {missing[0]!r} not found (columns: {columns}). Pass --label or fix the file.")
    unknown = sorted(set(df["Type"]) - set(TYPE_CODES))
    if unknown:
        raise UserError(f"{path}: Type {unknown[0]!r} is not one of {', '.join(TYPE_CODES)}.")
    return df


def features(df):
    codes = df["Type"].map(TYPE_CODES).to_numpy(dtype=np.float32)
    return np.column_stack([codes, df[NUMERIC].to_numpy(dtype=np.float32)])


def sample(df, label, share, seed):
    if share >= 1:
        return df
    kept, _ = train_test_split(df, train_size=share, random_state=seed, stratify=df[label])
    return kept.sort_index()


def fit(x, y, params):
    if params["model"] == "logreg":
        scaler = StandardScaler().fit(x)
        return LogisticRegression(max_iter=1000).fit(scaler.transform(x), y), scaler
    if params["model"] != "gbt":
        raise UserError(f"params: model must be gbt or logreg (got {params['model']!r}).")
    model = GradientBoostingClassifier(
        n_estimators=int(params["n_estimators"]),
        learning_rate=float(params["learning_rate"]),
        max_depth=int(params["max_depth"]),
        random_state=int(params["seed"]),
    )
    return model.fit(x, y), None


def probability(model, scaler, x):
    return model.predict_proba(scaler.transform(x) if scaler is not None else x)[:, 1]


def metrics_of(y, p):
    pred = (p >= 0.5).astype(int)
    values = {
        "accuracy": accuracy_score(y, pred),
        "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0),
        "f1": f1_score(y, pred, zero_division=0),
        "roc_auc": roc_auc_score(y, p),
        "pr_auc": average_precision_score(y, p),
        "log_loss": log_loss(y, p, labels=[0, 1]),
        "brier": brier_score_loss(y, p),
        "rows": len(y),
        "positives": int(y.sum()),
    }
    # train rejects NaN and Infinity (not JSON): keep finite numbers only.
    return {k: float(v) for k, v in values.items() if math.isfinite(float(v))}


def main(argv=None, env=None):
    env = os.environ if env is None else env
    args = parse_args(argv)
    params = load_params(env)
    data = read_all(args.data, args.label)
    if args.holdout:
        train, holdout = data, read(args.holdout, args.label)
    else:
        train, holdout = train_test_split(
            data, test_size=params["test_fraction"], random_state=params["seed"], stratify=data[args.label]
        )
    train = sample(train, args.label, args.sample, params["seed"])
    model, scaler = fit(features(train), train[args.label].to_numpy(dtype=np.int64), params)
    p = probability(model, scaler, features(holdout))
    metrics = metrics_of(holdout[args.label].to_numpy(dtype=np.int64), p)
    metrics["train_rows"] = float(len(train))
    metrics["sample"] = float(args.sample)

    os.makedirs(args.out, exist_ok=True)
    onx = to_onnx(model, scaler, NUMERIC)
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, allow_nan=False)
    if args.holdout:
        pd.DataFrame({"probability": p}).to_csv(os.path.join(args.out, "parity.csv"), index=False, float_format="%.9g")
    print(
        f"trained {params['model']} on {len(train)} rows (sample {args.sample:g}); "
        f"holdout {len(holdout)} rows: roc_auc {metrics['roc_auc']:.4f}, recall {metrics['recall']:.4f}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
