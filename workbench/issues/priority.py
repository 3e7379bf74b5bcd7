"""Priority from severity and frequency: one small formula, easy to check by hand.

    score = severity * (0.5 + frequency)

``severity`` is Nielsen's 0-4 scale and ``frequency`` the share of participants who ran the
study and hit the problem (0.0-1.0), so the score lies between 0 and 6. Severity leads; how
many people hit the problem scales it between half and one and a half times:

=====================  ============  =====  =====
severity               frequency     score  label
=====================  ============  =====  =====
4 catastrophe          6 of 6 (1.0)  6.0    P1
3 major                6 of 6 (1.0)  4.5    P1
4 catastrophe          1 of 6        2.67   P2
3 major                3 of 6 (0.5)  3.0    P2
2 minor                6 of 6 (1.0)  3.0    P2
2 minor                1 of 6        1.33   P3
1 cosmetic             6 of 6 (1.0)  1.5    P3
1 cosmetic             1 of 6        0.67   P4
0 not a problem        anything      0.0    P4
=====================  ============  =====  =====

Without study evidence (``frequency`` None: no completed session in its studies, say an issue
from feedback triage) the score is the severity alone, as if half the participants hit it:
``score = severity * 1.0``.

Labels: P1 from 4.0, P2 from 2.5, P3 from 1.0, P4 below 1.0.
"""

from __future__ import annotations

# The lowest score of each label, highest first.
PRIORITY_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (4.0, "P1"),
    (2.5, "P2"),
    (1.0, "P3"),
)
LOWEST_LABEL = "P4"
# What an issue without study evidence counts as: half of the participants.
ASSUMED_FREQUENCY = 0.5


def priority_score(severity: int, frequency: float | None) -> float:
    """``severity * (0.5 + frequency)``, rounded to two decimals; frequency None counts as 0.5."""
    if not 0 <= severity <= 4:
        raise ValueError(f"severity must be 0-4, not {severity}")
    if frequency is None:
        frequency = ASSUMED_FREQUENCY
    if not 0.0 <= frequency <= 1.0:
        raise ValueError(f"frequency must be between 0 and 1, not {frequency}")
    return round(severity * (0.5 + frequency), 2)


def priority_label(score: float) -> str:
    """P1 (score 4 and up), P2 (2.5 and up), P3 (1 and up) or P4."""
    for lowest, label in PRIORITY_THRESHOLDS:
        if score >= lowest:
            return label
    return LOWEST_LABEL
