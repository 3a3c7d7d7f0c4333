"""The local engine: the whole batch in this process. Articles are prepared one by one, cut into
windows (``plan.windows``), and each window is processed with this process's models, the run
core's translation memory around them: its answers looked up before, new translations stored the
moment the backend has them."""

from __future__ import annotations

from ..memory import memory_key
from .core import RunCore
from .plan import Work, windows
from .window import RunModels, guarded, inputs_of, prepare_article, process_window


class LocalEngine:
    name = "local"

    def require(self) -> None:
        """This process can always run the batch."""

    def run(self, core: RunCore, todo: list[Work]) -> None:
        models = RunModels(core.profile, loader=core.loader, on_batch=core.progress.segments_done)
        models.on_summary = getattr(core.progress, "summaries", None)  # progress of a window's summaries, if shown
        try:
            models.check()  # a model that cannot be used stops the run here, before any article is read
            core.start(len(todo))
            translator = models.translator
            key = memory_key(translator.model.settings())
            # new translations stored as the model returns them: an interrupted run never asks twice
            models.on_outputs = lambda pairs: core.memory.store(key, pairs)
            job, sink = core.job, core.recorder
            index = core.memory.suggestions()

            def prepare(work: Work):
                return guarded([work.key], lambda: prepare_article(
                    job, work.path, work.key, counter=translator.top, budget=translator.budget,
                    human_lookup=core.memory.human_lookup, suggest=index.suggest if index else None),
                    sink=sink, debug=job.debug)

            for window in windows(todo, prepare, limit=core.run.window_segments, on_article=core.progress.article):
                known = core.memory.lookup(key, inputs_of(window))
                process_window(window, job=job, models=models, sink=sink, known=known)
        finally:
            core.report.translation_calls += models.translation_calls
