"""Runners: drive the stages over a folder of articles. ``batch.run_batch`` over the run core
(``core``), with an engine: ``local`` (this process) or ``ray`` (a Ray cluster)."""

from .batch import engine_named, run_batch
from .core import Engine, LogProgress, Progress
from .local import LocalEngine
from .plan import BatchReport, RunOptions
from .ray import RayEngine, RayOptions

__all__ = ["BatchReport", "Engine", "LocalEngine", "LogProgress", "Progress", "RayEngine", "RayOptions", "RunOptions",
           "engine_named", "run_batch"]
