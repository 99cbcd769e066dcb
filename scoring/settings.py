"""The settings every score runs with, and the ``scoring:`` section of ``sovmap.yaml`` that sets them.

```yaml
scoring:
  weights: csf-2025                  # csf-2025 | csf-2026 | {SOV-1: 15, SOV-2: 10, ...}
  sovereignty_overrides: sovereignty.yaml
  exit: {throughput_tb_per_day: 10, notice_days: 60, refactoring_days: {low: 90}, parallel_run_days: {critical: 30}}
  feasibility: {weights: {portability: 0.35}, egress_usd_per_gb: 0.09}
```

Everything is optional; what is left out keeps its default (docs/scoring.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from scoring.exit import ExitSettings
from scoring.feasibility import FeasibilitySettings
from scoring.sovereignty import Framework, Override, load_framework, load_overrides
from sovmap.errors import InputError

__all__ = ["ScoringSection", "ScoringSettings", "scoring_settings"]

Days = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExitSection(_Model):
    throughput_tb_per_day: Annotated[float, Field(gt=0)] | None = None
    notice_days: Days | None = None
    workstreams: Annotated[int, Field(ge=1)] | None = None
    refactoring_days: dict[Literal["high", "medium", "low", "unknown"], Days] | None = None
    parallel_run_days: dict[Literal["critical", "high", "medium", "low"], Days] | None = None


class FeasibilitySection(_Model):
    weights: dict[Literal["portability", "data_gravity", "coupling", "exit_plan", "alternatives", "substitutability"],
                  Annotated[float, Field(ge=0)]] | None = None
    egress_usd_per_gb: Annotated[float, Field(ge=0)] | None = None


class ScoringSection(_Model):
    """The ``scoring:`` section of ``sovmap.yaml``; paths are relative to that file."""

    weights: str | dict[str, Annotated[float, Field(ge=0)]] | None = None
    sovereignty_overrides: str | None = None
    framework: str | None = None
    exit: ExitSection = ExitSection()
    feasibility: FeasibilitySection = FeasibilitySection()


@dataclass(frozen=True)
class ScoringSettings:
    framework: Framework
    weights_name: str
    weights: dict[str, float]
    overrides: tuple[Override, ...] = ()
    feasibility: FeasibilitySettings = field(default_factory=FeasibilitySettings)
    exit: ExitSettings = field(default_factory=ExitSettings)
    overrides_file: str | None = None

    @property
    def weights_spec(self) -> str | dict[str, float]:
        return self.weights_name if self.weights_name in self.framework.presets else dict(self.weights)

    def describe(self) -> dict:
        """What a snapshot records about the settings it was scored with."""
        return {"framework": f"{self.framework.meta.name} {self.framework.meta.version}", "weights": self.weights_name,
                "objective_weights": self.weights, "sovereignty_overrides": self.overrides_file,
                "exit": {"throughput_tb_per_day": self.exit.throughput_tb_per_day, "notice_days": self.exit.notice_days,
                         "workstreams": self.exit.workstreams,
                         "refactoring_days": dict(self.exit.refactoring_days),
                         "parallel_run_days": dict(self.exit.parallel_run_days)},
                "feasibility": {"weights": dict(self.feasibility.weights), "egress_usd_per_gb": self.feasibility.egress_usd_per_gb}}


def scoring_settings(section: ScoringSection | None = None, *, base_dir: str | Path | None = None,
                     file: str | None = None) -> ScoringSettings:
    """Settings from a ``scoring:`` section (the defaults when None).

    >>> s = scoring_settings(ScoringSection(weights="csf-2026", exit=ExitSection(notice_days=30)))
    >>> s.weights_name, s.weights["SOV-7"], s.exit.notice_days, s.exit.throughput_tb_per_day
    ('csf-2026', 0.15, 30.0, 10.0)
    >>> scoring_settings(ScoringSection(weights="csf-2099"), file="sovmap.yaml")
    Traceback (most recent call last):
    ...
    sovmap.errors.InputError: sovmap.yaml: field 'scoring.weights': unknown preset 'csf-2099' (known: csf-2025, csf-2026)
    """
    section = section or ScoringSection()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    framework = load_framework(base / section.framework if section.framework else None)
    try:
        weights_name, weights = framework.weights(section.weights)
    except ValueError as exc:
        raise InputError(str(exc).removeprefix("weights: "), file=file, field="scoring.weights") from None
    overrides: tuple[Override, ...] = ()
    overrides_file = None
    if section.sovereignty_overrides:
        overrides_file = str(base / section.sovereignty_overrides)
        overrides = load_overrides(overrides_file, framework)
    default_exit, default_feas = ExitSettings(), FeasibilitySettings()
    ex = section.exit
    exit_settings = ExitSettings(
        throughput_tb_per_day=ex.throughput_tb_per_day or default_exit.throughput_tb_per_day,
        notice_days=ex.notice_days if ex.notice_days is not None else default_exit.notice_days,
        workstreams=ex.workstreams or default_exit.workstreams,
        refactoring_days={**default_exit.refactoring_days, **(ex.refactoring_days or {})},
        parallel_run_days={**default_exit.parallel_run_days, **(ex.parallel_run_days or {})},
    )
    fs = section.feasibility
    feas = FeasibilitySettings(
        weights={**default_feas.weights, **(fs.weights or {})},
        egress_usd_per_gb=fs.egress_usd_per_gb if fs.egress_usd_per_gb is not None else default_feas.egress_usd_per_gb,
    )
    if sum(feas.weights.values()) <= 0:
        raise InputError("at least one weight must be above zero", file=file, field="scoring.feasibility.weights")
    return ScoringSettings(framework, weights_name, weights, overrides, feas, exit_settings, overrides_file)
