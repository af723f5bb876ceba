"""``Progbar`` (``keras.utils.Progbar``): a text progress bar for custom loops.

The text is Keras 3.15's: ``verbose=1`` redraws one line (bold ``current/target``, a
green/grey bar, ETA or elapsed time, time per step, the metrics), ``verbose=2`` prints
one summary line when the target is reached. Metrics are averaged over steps unless
listed in ``stateful_metrics`` (or, with ``stateless_metrics``, only those listed are
averaged); as in Keras, the value given with the final update replaces the average.

Example:
    >>> from jtape.nn.utils import Progbar
    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(2, values=[("loss", 0.5)])  # doctest: +ELLIPSIS
    2/2 - 0s - ...s/step - loss: 0.5000
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

__all__ = ["Progbar"]


def _per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def _number(avg: float, signed: bool) -> str:
    big = abs(avg) > 1e-3 if signed else avg > 1e-3
    return f" {avg:.4f}" if big else f" {avg:.4e}"


class Progbar:
    """Progress of ``target`` steps (None: unknown) with running averages of ``values``."""

    def __init__(
        self,
        target,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics stateful "
                "by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.stateful_metrics = (
            None if stateless_metrics is not None else set(stateful_metrics or ())
        )
        # Keras redraws in place on terminals, notebooks and any POSIX system
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        self._values: dict = {}
        self._values_order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _step_time(self, current: int, now: float) -> float:
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    def _metrics(self, signed: bool) -> str:
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            if not isinstance(total, float):
                total = np.mean(total)
            text += f" - {name}:" + _number(total / max(1, count), signed)
        return text

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Move to step ``current``; ``values`` is a list of ``(name, value)``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0, 0])
                self._values[name] = [total + value * steps, count + steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_time(current, now)
        known = self.target is not None and self.target > 0
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
            hidden = 0  # characters of escape codes, not counted in the line's width
            if known:
                digits = int(math.log10(self.target)) + 1
                bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
                hidden += 8
                done = int(self.width * float(current) / self.target)
                if done > 0:
                    bar += f"\33[32m{'━' * done}\x1b[0m"
                    hidden += 9
                bar += f"\33[37m{'━' * (self.width - done)}\x1b[0m"
                hidden += 9
            else:
                bar = f"{current:7d}/Unknown"
            if known and not finalize:
                eta = per_unit * (self.target - current)
                if eta > 3600:
                    when = f"{eta // 3600:.0f}:{(eta % 3600) // 60:02.0f}:{eta % 60:02.0f}"
                elif eta > 60:
                    when = f"{eta // 60:.0f}:{eta % 60:02.0f}"
                else:
                    when = f"{int(eta)}s"
                info = f" \x1b[1m{when}\x1b[0m"
            else:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            hidden += 8
            info += _per_unit(per_unit, self.unit_name) + self._metrics(signed=True)
            width = len(bar) + len(info) - hidden
            message += bar + info + " " * max(0, self._prev_total_width - width)
            if finalize:
                message += "\n"
            sys.stdout.write(message)
            sys.stdout.flush()
            self._prev_total_width = width
        elif self.verbose == 2 and finalize and known:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            info += _per_unit(per_unit, self.unit_name) + self._metrics(signed=False)
            sys.stdout.write(info + "\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n: int, values=None) -> None:
        """Advance by ``n`` steps."""
        self.update(self._seen_so_far + n, values)
