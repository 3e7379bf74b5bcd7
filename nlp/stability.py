"""Keeping topic ids across re-fits, so that links to topics survive re-clustering."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

UNCLEAR = -1


def stable_topic_ids(previous: Sequence[int], current: Sequence[int]) -> dict[int, int]:
    """Map each topic id of a new fit onto an id of an earlier fit.

    Parameters
    ----------
    previous, current : sequence of int
        Topic ids of the same texts in the earlier and in the new fit (-1: unclear).

    Returns
    -------
    dict of int to int
        For every topic id in ``current``: the earlier id it shares the most texts with, found
        by a one-to-one assignment that maximises the texts kept under the same id (Hungarian
        method); topics without a partner get new ids above every earlier one. -1 maps to -1.
    """
    previous = np.asarray(previous, dtype=int)
    current = np.asarray(current, dtype=int)
    if previous.shape != current.shape:
        raise ValueError("previous and current must label the same texts.")
    old_ids = np.unique(previous[previous != UNCLEAR])
    new_ids = np.unique(current[current != UNCLEAR])
    mapping = {UNCLEAR: UNCLEAR}
    if len(new_ids) == 0:
        return mapping
    overlap = np.zeros((len(new_ids), max(len(old_ids), 1)), dtype=np.int64)
    both = (previous != UNCLEAR) & (current != UNCLEAR)
    if len(old_ids):
        rows = np.searchsorted(new_ids, current[both])
        columns = np.searchsorted(old_ids, previous[both])
        np.add.at(overlap, (rows, columns), 1)
        matched_rows, matched_columns = linear_sum_assignment(overlap, maximize=True)
        for row, column in zip(matched_rows, matched_columns, strict=True):
            if overlap[row, column] > 0:
                mapping[int(new_ids[row])] = int(old_ids[column])
    next_id = int(old_ids.max()) + 1 if len(old_ids) else 0
    for new_id in new_ids:
        if int(new_id) not in mapping:
            mapping[int(new_id)] = next_id
            next_id += 1
    return mapping


def complete_mapping(mapping: dict[int, int], topic_ids: Sequence[int]) -> dict[int, int]:
    """``mapping`` (from ``stable_topic_ids``) for every id of ``topic_ids``: ids it does not
    name get fresh ids above every id in use, so that no two topics ever share one; -1 stays."""
    targets = [target for source, target in mapping.items() if source != UNCLEAR]
    if len(set(targets)) != len(targets):
        raise ValueError("The mapping gives two topics the same id.")
    full = {UNCLEAR: UNCLEAR, **{int(k): int(v) for k, v in mapping.items()}}
    next_id = max([*targets, *topic_ids, -1]) + 1
    for topic_id in topic_ids:
        if topic_id not in full:
            full[topic_id] = next_id
            next_id += 1
    return full
