"""Pure A/B rules: which arm a request goes to, and when a runner-up has earned a role (docs/experiments.md).

With ``ab_share`` > 0 a share of a role's requests goes to its runners-up. ``assign_arm`` picks the arm from a
hash of the request (role and messages), so the same request always asks the same model. Every attempt made on
the arm's model is tagged in the ledger with the experiment: the role's default when the request was sent.

``experiment_verdicts`` turns the tagged attempts (with their quality scores) into one verdict per experiment
(role, default): per arm the success rate with a Wilson interval and the mean value per attempt with a normal
interval, where an attempt's value is 0 when it failed and its quality score (0..1; 1 when no score came) when
it succeeded. The sequential rule, fixed in advance:

* looks at ``CHECKPOINTS`` attempts per arm (20, 40, 80, 160); look k uses the first ``CHECKPOINTS[k]``
  attempts of each arm, oldest first, and happens once both arms have that many;
* at each look, every interval is two-sided at level ``1 - ALPHA / (len(CHECKPOINTS) * MAX_CHALLENGERS)``
  (Bonferroni over the looks and the challengers);
* a challenger is promoted at the first look where its value interval lies wholly above the default's and its
  success-rate interval does not lie wholly below the default's;
* no promotion by the last look: the verdict is ``kept`` and the default stays.

Two intervals at level 1 - a that do not overlap imply a difference beyond z * (se1 + se2) >= z * se(difference),
so each look's one-sided false promotion is at most a / 2 and the whole experiment's at most ALPHA / 2 (union
bound). The verdict is a function of the evidence only: it is the same on every build until the ledger gains
attempts of the experiment or a new catalog makes another model the role's default.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from modelpools.rules.usage import SUCCESS, failure_scope

__all__ = [
    "ALPHA",
    "CHECKPOINTS",
    "MAX_CHALLENGERS",
    "counts_for_the_model",
    "ExperimentAttempt",
    "ArmFigures",
    "ExperimentVerdict",
    "assign_arm",
    "request_fraction",
    "look_z",
    "wilson",
    "mean_interval",
    "arm_figures",
    "decide_experiment",
    "experiment_verdicts",
    "experiment_lines",
]

ALPHA = 0.05  # the two-sided level split over the looks and the challengers (false promotion <= ALPHA / 2)
CHECKPOINTS = (20, 40, 80, 160)  # attempts per arm at each look
MAX_CHALLENGERS = 2  # runners-up per role in the pools file (its schema allows at most two)


def counts_for_the_model(outcome: str) -> bool:
    """A success or a model-level failure (rules.usage.failure_scope); an account's failure (a cap, the data policy,
    credits) or a request's (tools it lacks, too long, reasoning exhausted) is not held against an arm."""
    return outcome == SUCCESS or failure_scope(outcome) == "model"


def request_fraction(role: str, messages: Sequence[Mapping[str, Any]]) -> float:
    """A number in [0, 1) fixed by the request (role and messages): sha256 of their canonical JSON."""
    text = json.dumps([role, list(messages)], sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_arm(fraction: float, share: float, challengers: Sequence[str]) -> str | None:
    """The challenger a request with this ``request_fraction`` goes to, or None for the default.

    Requests with fraction below ``share`` are split evenly over the challengers (in their order)."""
    if share <= 0 or not challengers or fraction >= share:
        return None
    return challengers[min(len(challengers) - 1, int(fraction / share * len(challengers)))]


def look_z(alpha: float = ALPHA, looks: int = len(CHECKPOINTS), challengers: int = MAX_CHALLENGERS) -> float:
    """The normal quantile of each look's two-sided intervals: level 1 - alpha / (looks * challengers)."""
    return NormalDist().inv_cdf(1 - alpha / (looks * challengers) / 2)


def wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of a rate; (0, 1) with no trials."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: Sequence[float], z: float) -> tuple[float, float, float]:
    """(mean, low, high) of values in [0, 1]: a normal interval whose variance counts one pseudo-observation of the
    widest spread a [0, 1] value can have (0.25), so identical values never give a zero-width interval."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0, 1.0)
    mean = sum(values) / n
    spread = sum((v - mean) ** 2 for v in values) + 0.25
    half = z * math.sqrt(spread / n / n)
    return (mean, max(0.0, mean - half), min(1.0, mean + half))


@dataclass(frozen=True)
class ExperimentAttempt:
    """One finished attempt of an experiment, as the ledger holds it (``score``: its quality score, or None)."""

    started: float
    role: str
    model: str
    experiment: str  # the role's default when the request was sent
    outcome: str
    latency_ms: int | None = None
    completion_tokens: int | None = None
    score: float | None = None

    @property
    def value(self) -> float:
        """0 for a failure; the quality score (1 without one) for a success."""
        if self.outcome != "ok":
            return 0.0
        return 1.0 if self.score is None else min(1.0, max(0.0, self.score))


@dataclass(frozen=True)
class ArmFigures:
    """An arm's attempts, successes and mean value with their intervals (at one look's level)."""

    model: str
    attempts: int
    successes: int
    success_interval: tuple[float, float]
    value: float
    value_interval: tuple[float, float]
    rated: int = 0  # successes that had a quality score
    latency_p50: int | None = None
    mean_completion_tokens: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "successes": self.successes,
            "successRate": round(self.successes / self.attempts, 4) if self.attempts else None,
            "successInterval": [round(x, 4) for x in self.success_interval],
            "rated": self.rated,
            "meanValue": round(self.value, 4),
            "valueInterval": [round(x, 4) for x in self.value_interval],
            "latencyMsP50": self.latency_p50,
            "meanCompletionTokens": None
            if self.mean_completion_tokens is None
            else round(self.mean_completion_tokens, 1),
        }


def arm_figures(model: str, attempts: Sequence[ExperimentAttempt], z: float) -> ArmFigures:
    """The figures of one arm's attempts at the level of ``z``."""
    from modelpools.rules.usage import percentile

    ok = [a for a in attempts if a.outcome == "ok"]
    mean, low, high = mean_interval([a.value for a in attempts], z)
    tokens = [a.completion_tokens for a in ok if a.completion_tokens is not None]
    return ArmFigures(
        model,
        len(attempts),
        len(ok),
        wilson(len(ok), len(attempts), z),
        mean,
        (low, high),
        sum(1 for a in ok if a.score is not None),
        percentile([a.latency_ms for a in ok if a.latency_ms is not None], 0.5),
        sum(tokens) / len(tokens) if tokens else None,
    )


@dataclass(frozen=True)
class ExperimentVerdict:
    """One experiment's state: ``running`` (the next look is ``next_look`` attempts per arm), ``promote``
    (``challenger`` serves the role better, decided at ``look``) or ``kept`` (every look passed, the default stays).
    ``arms``: every arm's figures over all its attempts so far (at the looks' level), the default first."""

    role: str
    default: str
    verdict: str
    challenger: str | None
    look: int | None
    next_look: int | None
    reason: str
    arms: tuple[ArmFigures, ...]

    def to_json(self) -> dict[str, Any]:
        """The usage summary's (and the pools file's ``roles.<role>.experiment``) form."""
        return {
            "default": self.default,
            "verdict": self.verdict,
            "challenger": self.challenger,
            "look": self.look,
            "nextLook": self.next_look,
            "reason": self.reason,
            "checkpoints": list(CHECKPOINTS),
            "level": round(1 - ALPHA / (len(CHECKPOINTS) * MAX_CHALLENGERS), 5),
            "arms": {a.model: a.to_json() for a in self.arms},
        }


def _better(challenger: ArmFigures, default: ArmFigures) -> bool:
    return challenger.value_interval[0] > default.value_interval[1] and not (
        challenger.success_interval[1] < default.success_interval[0]
    )


def decide_experiment(role: str, default: str, attempts: Iterable[ExperimentAttempt]) -> ExperimentVerdict:
    """The verdict of the experiment (role, default) from its attempts, by the sequential rule of the module doc."""
    z = look_z()
    by_model: dict[str, list[ExperimentAttempt]] = {}
    for a in sorted(attempts, key=lambda a: (a.started, a.model, a.outcome)):
        if counts_for_the_model(a.outcome):
            by_model.setdefault(a.model, []).append(a)
    base = by_model.get(default, [])
    challengers = sorted(m for m in by_model if m != default)
    arms = tuple(arm_figures(m, by_model.get(m, []), z) for m in [default, *challengers])
    last_look: int | None = None
    for n in CHECKPOINTS:
        reached = [m for m in challengers if len(by_model[m]) >= n]
        if len(base) < n or not reached:
            break
        last_look = n
        d = arm_figures(default, base[:n], z)
        better = [c for m in reached if _better(c := arm_figures(m, by_model[m][:n], z), d)]
        if better:
            best = max(better, key=lambda c: (c.value_interval[0], c.model))
            return ExperimentVerdict(
                role,
                default,
                "promote",
                best.model,
                n,
                None,
                f"after {n} attempts per arm, {best.model} scores {best.value:.2f} "
                f"[{best.value_interval[0]:.2f}, {best.value_interval[1]:.2f}] against {d.value:.2f} "
                f"[{d.value_interval[0]:.2f}, {d.value_interval[1]:.2f}] for {default}",
                arms,
            )
    if last_look == CHECKPOINTS[-1]:
        return ExperimentVerdict(
            role,
            default,
            "kept",
            None,
            last_look,
            None,
            f"no runner-up better beyond the intervals after {last_look} attempts per arm; {default} stays",
            arms,
        )
    following = next(n for n in CHECKPOINTS if last_look is None or n > last_look)
    fewest = min([len(base)] + [len(by_model[m]) for m in challengers]) if challengers else 0
    return ExperimentVerdict(
        role,
        default,
        "running",
        None,
        last_look,
        following,
        f"{fewest} attempt(s) in the smallest arm; the next look is at {following} per arm",
        arms,
    )


def experiment_verdicts(attempts: Iterable[ExperimentAttempt]) -> dict[str, dict[str, ExperimentVerdict]]:
    """role -> default -> verdict, for every experiment the attempts belong to (sorted by role and default)."""
    grouped: dict[tuple[str, str], list[ExperimentAttempt]] = {}
    for a in attempts:
        grouped.setdefault((a.role, a.experiment), []).append(a)
    out: dict[str, dict[str, ExperimentVerdict]] = {}
    for role, default in sorted(grouped):
        out.setdefault(role, {})[default] = decide_experiment(role, default, grouped[(role, default)])
    return out


def _interval(pair: Any) -> str:
    return f"[{pair[0]:.2f}, {pair[1]:.2f}]" if isinstance(pair, list) and len(pair) == 2 else "[?]"


def experiment_lines(experiment: Mapping[str, Any]) -> list[str]:
    """An experiment verdict (``ExperimentVerdict.to_json``) in words: the verdict, then one line per arm."""
    verdict = experiment.get("verdict")
    head = {
        "promote": f"promote {experiment.get('challenger')} over {experiment.get('default')}",
        "kept": f"{experiment.get('default')} kept",
    }.get(str(verdict), f"running against {experiment.get('default')}")
    lines = [f"A/B experiment: {head}: {experiment.get('reason')}"]
    for model, arm in (experiment.get("arms") or {}).items():
        if not isinstance(arm, Mapping):
            continue
        rate = arm.get("successRate")
        lines.append(
            f"  {model}: {arm.get('attempts')} attempts, success "
            f"{'-' if rate is None else format(rate, '.0%')} {_interval(arm.get('successInterval'))}, "
            f"value {arm.get('meanValue', 0):.2f} {_interval(arm.get('valueInterval'))} "
            f"({arm.get('rated', 0)} rated)"
        )
    return lines
