"""Clustering metrics for the topic benchmark: NMI, ARI, accuracy after Hungarian matching.

The label -1 ("unclear") is treated as one more cluster everywhere: NMI and ARI see it as a
cluster like any other, and the Hungarian matching may pair it with at most one true class, so
unclear texts are wrong except for those of the single class it happens to be matched with
(with 77 classes that is at most a few dozen texts). The share of unclear texts is reported next
to the scores so that a model cannot look good by leaving much unclear.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

UNCLEAR = -1


def hungarian_mapping(true: Sequence, predicted: Sequence) -> dict:
    """The one-to-one pairing of predicted clusters with true classes that maximises the number
    of texts they share, as {cluster: class}. Clusters left over (more clusters than classes)
    are not in the mapping, so their texts count as wrong."""
    classes, true_index = np.unique(np.asarray(true), return_inverse=True)
    clusters, predicted_index = np.unique(np.asarray(predicted), return_inverse=True)
    table = contingency_matrix(true_index, predicted_index)  # classes x clusters
    rows, columns = linear_sum_assignment(table, maximize=True)
    return {clusters[c].item(): classes[r].item() for r, c in zip(rows, columns, strict=True)}


def hungarian_accuracy(true: Sequence, predicted: Sequence) -> float:
    mapping = hungarian_mapping(true, predicted)
    pairs = zip(true, np.asarray(predicted).tolist(), strict=True)
    right = sum(mapping.get(p) == t for t, p in pairs)
    return right / len(true)


def scores(true: Sequence, predicted: Sequence) -> dict:
    """NMI, ARI, Hungarian accuracy, clusters found and the unclear share, rounded."""
    true = np.asarray(true)
    predicted = np.asarray(predicted)
    clear = predicted != UNCLEAR
    result = {
        "nmi": round(float(normalized_mutual_info_score(true, predicted)), 4),
        "ari": round(float(adjusted_rand_score(true, predicted)), 4),
        "accuracy": round(hungarian_accuracy(true.tolist(), predicted), 4),
        "clusters": len(np.unique(predicted[clear])),
        "unclear_share": round(float(1 - clear.mean()), 4),
    }
    if not clear.all() and clear.any():
        # For reference only: NMI on the texts the model did assign (flatters unclear-heavy fits).
        nmi_clear = normalized_mutual_info_score(true[clear], predicted[clear])
        result["nmi_on_clear_texts"] = round(float(nmi_clear), 4)
    return result
