"""Predictive-maintenance trainer in Python for the `train` action (scikit-learn + skl2onnx).

Reads the AI4I 2020 columns, trains a gradient-boosting classifier (or a standardised logistic
regression), evaluates it on a held-out split that is reproducible from the seed, and writes
$MLOPS_OUTPUT_DIR/model.onnx and $MLOPS_OUTPUT_DIR/metrics.json, as the action expects.

    python examples/predictive-maintenance/python/train.py --data examples/predictive-maintenance/data/ai4i2020.csv

--data may be repeated, and may name a folder of .csv/.parquet files (the train action's $MLOPS_DATASET_DIR,
a dataset snapshot): the files are read as one dataset, in order.
"""

import argparse
import glob
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler

# Same inputs as the TypeScript trainer: one [N, 1] input per column, named like the column; Type stays
# text and is encoded inside the model (L=0, M=1, H=2), so callers send the data as the plant writes it.
FEATURES = [
    "Type",
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]
LABEL = "Machine failure"
DEFAULTS = {"model": "gbt", "seed": 42, "test_fraction": 0.2, "n_estimators": 150, "learning_rate": 0.1, "max_depth": 4}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, action="append")
    parser.add_argument("--out", default=os.environ.get("MLOPS_OUTPUT_DIR", "out"))
    args = parser.parse_args()

    params = {**DEFAULTS, **json.loads(os.environ.get("MLOPS_PARAMS") or "{}")}
    if "MLOPS_SEED" in os.environ and "seed" not in json.loads(os.environ.get("MLOPS_PARAMS") or "{}"):
        params["seed"] = int(os.environ["MLOPS_SEED"])

    files = []
    for path in args.data:
        if os.path.isdir(path):
            files += sorted(glob.glob(os.path.join(path, "*.csv")) + glob.glob(os.path.join(path, "*.parquet")))
        else:
            files.append(path)
    # encoding="utf-8-sig" drops the byte-order mark the published file starts with.
    frames = [pd.read_parquet(f) if f.endswith(".parquet") else pd.read_csv(f, encoding="utf-8-sig") for f in files]
    df = pd.concat([f[[c for c in FEATURES + [LABEL] if c in f.columns]] for f in frames], ignore_index=True)
    missing = [c for c in FEATURES + [LABEL] if c not in df.columns]
    if missing:
        print(f"data: column {missing[0]!r} not found (columns: {', '.join(df.columns)})", file=sys.stderr)
        return 2
    numeric = FEATURES[1:]
    x = df[FEATURES].astype({c: np.float32 for c in numeric})
    y = df[LABEL].to_numpy(dtype=np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=params["test_fraction"], random_state=params["seed"], stratify=y
    )

    encode = ColumnTransformer(
        [("type", OrdinalEncoder(categories=[["L", "M", "H"]]), ["Type"])],
        remainder="passthrough",
    )
    if params["model"] == "logreg":
        classifier = LogisticRegression(max_iter=1000)
        model = Pipeline([("encode", encode), ("scale", StandardScaler()), ("classify", classifier)])
    else:
        classifier = GradientBoostingClassifier(
            n_estimators=params["n_estimators"],
            learning_rate=params["learning_rate"],
            max_depth=params["max_depth"],
            random_state=params["seed"],
        )
        model = Pipeline([("encode", encode), ("classify", classifier)])
    model.fit(x_train, y_train)
    p = model.predict_proba(x_test)[:, 1]
    pred = (p >= 0.5).astype(int)
    metrics = {
        "accuracy": accuracy_score(y_test, pred),
        "precision": precision_score(y_test, pred, zero_division=0),
        "recall": recall_score(y_test, pred),
        "f1": f1_score(y_test, pred),
        "roc_auc": roc_auc_score(y_test, p),
        "log_loss": log_loss(y_test, p),
        "rows": int(len(y_test)),
    }
    # train rejects NaN/Infinity: keep only finite numbers.
    metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(float(v))}

    # One input per column and zipmap off ("probabilities" a plain [N, 2] tensor): the same signature as
    # the TypeScript trainer, so either can replace the other behind the same deployment.
    initial_types = [("Type", StringTensorType([None, 1]))] + [(c, FloatTensorType([None, 1])) for c in numeric]
    onx = to_onnx(
        model,
        initial_types=initial_types,
        options={id(classifier): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, allow_nan=False)
    print(f"held-out: accuracy {metrics['accuracy']:.4f}, roc_auc {metrics.get('roc_auc', float('nan')):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
