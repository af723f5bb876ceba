"""``Progbar`` (``keras.utils.Progbar``): a text progress bar for custom loops.

Example:
    >>> import io
    >>> from jtape.nn.utils import Progbar
    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(2, values=[("loss", 0.5)], finalize=True)  # doctest: +ELLIPSIS
    2/2 - ...s - loss: 0.5000
"""

from __future__ import annotations

import sys
import time

import numpy as np

__all__ = ["Progbar"]


class Progbar:
    """Progress of ``target`` steps (None: unknown) with running averages of ``values``.

    ``verbose=1`` redraws one line (when stdout is a terminal), ``verbose=2`` prints one
    line when the target is reached, ``0`` prints nothing. Metrics named in
    ``stateful_metrics`` are shown as given, the others averaged over the steps.
    """

    def __init__(
        self,
        target,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics=None,
        unit_name: str = "step",
    ) -> None:
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._values: dict = {}
        self._order: list = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Move to step ``current``; ``values`` is a list of ``(name, value)``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._order:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                steps = max(1, current - self._seen_so_far)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + float(np.mean(value)) * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 0:
            return
        if self.verbose == 1 and not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        metrics = ""
        for name in self._order:
            total, count = self._values[name]
            avg = total / max(1, count)
            metrics += f" - {name}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {name}: {avg:.4e}"
        elapsed = now - self._start
        if self.verbose == 1:
            if self.target is not None:
                done = int(self.width * current / self.target) if self.target else self.width
                bar = "━" * done + " " * (self.width - done)
                line = f"\r{current}/{self.target} {bar} {elapsed:.0f}s{metrics}"
            else:
                line = f"\r{current} {elapsed:.0f}s{metrics}"
            sys.stdout.write(line + ("\n" if finalize else ""))
            sys.stdout.flush()
        elif finalize:
            head = f"{current}/{self.target}" if self.target is not None else f"{current}"
            sys.stdout.write(f"{head} - {elapsed:.0f}s{metrics}\n")
            sys.stdout.flush()

    def add(self, n: int, values=None) -> None:
        """Advance by ``n`` steps."""
        self.update(self._seen_so_far + n, values)
