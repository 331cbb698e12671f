"""ONNX export of the fitted scikit-learn models, built node by node with onnx.helper.

The graph takes the raw columns, one [N, 1] input per column named like the column (Type as a string,
the process signals as float32), encodes Type inside the graph (ai.onnx.ml LabelEncoder, L=0, M=1, H=2),
concatenates the six features and ends in an ai.onnx.ml classifier whose outputs are `label` (int64 [N])
and `probabilities` (float [N, 2]): the signature skl2onnx writes with zipmap off, so clients, the edge
server and compare-models see the same model whichever way it was exported.

A team that can install skl2onnx replaces to_onnx() with (see README.md):

    skl2onnx.to_onnx(pipeline, initial_types=..., options={id(classifier): {"zipmap": False}})
"""

import numpy as np
import onnx
from onnx import TensorProto, helper

TYPE_CODES = {"L": 0.0, "M": 1.0, "H": 2.0}
OPSET = 17
ML_OPSET = 3


def float32_floor(values):
    """The largest float32 at or below each value.

    scikit-learn's trees compare float32 features with float64 thresholds; ONNX stores thresholds as
    float32. Rounding a threshold to the nearest float32 could move it past a data value and flip the
    branch; the float32 floor keeps `x <= threshold` exactly as scikit-learn decides it for float32 x.
    """
    t64 = np.asarray(values, dtype=np.float64)
    t32 = t64.astype(np.float32)
    above = t32.astype(np.float64) > t64
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def _tree_attributes(model):
    """Node and leaf arrays of a binary GradientBoostingClassifier, as TreeEnsembleClassifier takes them."""
    nodes = {k: [] for k in ("treeids", "nodeids", "featureids", "values", "modes", "truenodeids", "falsenodeids")}
    leaves = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    for tree_id, estimator in enumerate(model.estimators_[:, 0]):
        tree = estimator.tree_
        thresholds = float32_floor(tree.threshold)
        for node in range(tree.node_count):
            left, right = int(tree.children_left[node]), int(tree.children_right[node])
            leaf = left == -1
            nodes["treeids"].append(tree_id)
            nodes["nodeids"].append(node)
            nodes["featureids"].append(0 if leaf else int(tree.feature[node]))
            nodes["values"].append(0.0 if leaf else float(thresholds[node]))
            nodes["modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            nodes["truenodeids"].append(0 if leaf else left)
            nodes["falsenodeids"].append(0 if leaf else right)
            if leaf:
                leaves["treeids"].append(tree_id)
                leaves["nodeids"].append(node)
                leaves["ids"].append(0)
                leaves["weights"].append(float(tree.value[node, 0, 0]) * model.learning_rate)
    # The raw score starts at the log-odds of the training prior (init_ "prior"), as in decision_function.
    base = float(model._raw_predict_init(np.zeros((1, model.n_features_in_), dtype=np.float32))[0, 0])
    return {
        "nodes_treeids": nodes["treeids"],
        "nodes_nodeids": nodes["nodeids"],
        "nodes_featureids": nodes["featureids"],
        "nodes_values": nodes["values"],
        "nodes_modes": nodes["modes"],
        "nodes_truenodeids": nodes["truenodeids"],
        "nodes_falsenodeids": nodes["falsenodeids"],
        "class_treeids": leaves["treeids"],
        "class_nodeids": leaves["nodeids"],
        "class_ids": leaves["ids"],
        "class_weights": leaves["weights"],
        "base_values": [base],
        "post_transform": "LOGISTIC",
        "classlabels_int64s": [0, 1],
    }


def to_onnx(model, scaler, numeric_columns, name="failure-predictor"):
    """The fitted classifier (GradientBoostingClassifier, or LogisticRegression after `scaler`) as ONNX."""
    inputs = [helper.make_tensor_value_info("Type", TensorProto.STRING, [None, 1])]
    inputs += [helper.make_tensor_value_info(c, TensorProto.FLOAT, [None, 1]) for c in numeric_columns]
    nodes = [
        helper.make_node(
            "LabelEncoder",
            ["Type"],
            ["type_code"],
            domain="ai.onnx.ml",
            keys_strings=list(TYPE_CODES),
            values_floats=list(TYPE_CODES.values()),
            default_float=-1.0,
        ),
        helper.make_node("Concat", ["type_code", *numeric_columns], ["features"], axis=1),
    ]
    if scaler is not None:
        # StandardScaler: (x - mean) / scale, which ai.onnx.ml Scaler writes as (x - offset) * scale.
        nodes.append(
            helper.make_node(
                "Scaler",
                ["features"],
                ["scaled"],
                domain="ai.onnx.ml",
                offset=[float(v) for v in scaler.mean_],
                scale=[float(1.0 / v) for v in scaler.scale_],
            )
        )
        coef = model.coef_[0]
        nodes.append(
            helper.make_node(
                "LinearClassifier",
                ["scaled"],
                ["label", "probabilities"],
                domain="ai.onnx.ml",
                # Binary logistic regression: one score per class, -z and z, then LOGISTIC gives 1-p and p.
                coefficients=[float(-c) for c in coef] + [float(c) for c in coef],
                intercepts=[float(-model.intercept_[0]), float(model.intercept_[0])],
                classlabels_ints=[0, 1],
                post_transform="LOGISTIC",
                multi_class=0,
            )
        )
    else:
        nodes.append(
            helper.make_node(
                "TreeEnsembleClassifier",
                ["features"],
                ["label", "probabilities"],
                domain="ai.onnx.ml",
                **_tree_attributes(model),
            )
        )
    outputs = [
        helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2]),
    ]
    graph = helper.make_graph(nodes, name, inputs, outputs)
    onx = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="model-repository/ml/onnx_export.py",
    )
    onx.ir_version = 8  # opset 17
    onnx.checker.check_model(onx)
    return onx
