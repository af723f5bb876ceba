"""``prefetch``: a background thread keeps up to ``buffer_size`` elements ready.

The thread runs the upstream pipeline (reading, shuffling, ``map`` functions) and
moves each element to the accelerator, so both overlap with the training step that
consumes the previous element, as TF's ``prefetch`` does.
"""

from __future__ import annotations

import queue
import threading

import jax

from . import _structure

_DONE = object()


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _to_device(element):
    leaves, treedef = _structure.flatten(element)
    idx = [i for i, x in enumerate(leaves) if _structure.is_numeric(x)]
    moved = jax.device_put([leaves[i] for i in idx])
    out = list(leaves)
    for i, v in zip(idx, moved):
        out[i] = v
    return _structure.unflatten(treedef, out)


def _put(q: queue.Queue, stop: threading.Event, item) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _work(source, q: queue.Queue, stop: threading.Event) -> None:
    try:
        for element in source:
            if not _put(q, stop, _to_device(element)):
                return
        _put(q, stop, _DONE)
    except BaseException as e:  # handed to the consumer, raised there
        _put(q, stop, _Raised(e))


class PrefetchIterator:
    """Iterates ``source`` in a daemon thread through a queue of ``buffer_size``."""

    def __init__(self, source, buffer_size: int) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, buffer_size))
        self._stop = threading.Event()
        self._finished = False
        # The thread holds only the queue and the event, not this object, so dropping
        # the iterator (a `take` that stopped early) lets __del__ stop the thread.
        self._thread = threading.Thread(
            target=_work,
            args=(source, self._queue, self._stop),
            daemon=True,
            name="jtape-data-prefetch",
        )
        self._thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        if self._finished:
            raise StopIteration
        item = self._queue.get()
        if item is _DONE:
            self._finished = True
            raise StopIteration
        if isinstance(item, _Raised):
            self._finished = True
            raise item.error
        return item

    def close(self) -> None:
        self._stop.set()
        self._finished = True

    def __del__(self) -> None:
        self._stop.set()
