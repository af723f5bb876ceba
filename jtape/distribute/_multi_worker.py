"""Several hosts: ``MultiWorkerMirroredStrategy`` on ``jax.distributed``."""

from __future__ import annotations

import json
import os

import jax

from ._strategy import MirroredStrategy


def cluster_from_tf_config(tf_config: str | None = None) -> tuple[str, int, int]:
    """``(coordinator_address, num_processes, process_id)`` from TF's ``TF_CONFIG`` JSON.

    ``{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker",
    "index": 1}}``: the first worker's address coordinates, as in TensorFlow.
    """
    text = tf_config if tf_config is not None else os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError(
            "MultiWorkerMirroredStrategy: no cluster given; set TF_CONFIG or pass "
            "coordinator_address, num_processes and process_id"
        )
    try:
        config = json.loads(text)
        workers = list(config["cluster"]["worker"])
        task = config.get("task", {})
        index = int(task.get("index", 0))
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"TF_CONFIG: expected TF's JSON cluster spec ({e}): {text!r}") from None
    if task.get("type", "worker") not in ("worker", "chief"):
        raise ValueError(f"TF_CONFIG: task type {task.get('type')!r} is not supported")
    if not 0 <= index < len(workers):
        raise ValueError(f"TF_CONFIG: task index {index} outside the {len(workers)} workers")
    return workers[0], len(workers), index


class MultiWorkerMirroredStrategy(MirroredStrategy):
    """Data parallelism over every device of several processes (one per host).

    Initializes ``jax.distributed`` (unless already initialized) from the explicit
    arguments or from ``TF_CONFIG``; then it is a MirroredStrategy over the global
    devices, whose collectives cross hosts.
    """

    def __init__(
        self,
        cluster_resolver=None,
        communication_options=None,
        *,
        coordinator_address: str | None = None,
        num_processes: int | None = None,
        process_id: int | None = None,
        shard_optimizer_state: bool = False,
    ) -> None:
        if not _initialized():
            if coordinator_address is None:
                coordinator_address, num_processes, process_id = cluster_from_tf_config()
            if jax.devices()[0].platform == "cpu" if _backend_ready() else True:
                try:
                    jax.config.update("jax_cpu_collectives_implementation", "gloo")
                except (AttributeError, ValueError):
                    pass
            jax.distributed.initialize(
                coordinator_address=coordinator_address,
                num_processes=num_processes,
                process_id=process_id,
            )
        super().__init__(jax.devices(), shard_optimizer_state=shard_optimizer_state)


def _initialized() -> bool:
    try:
        from jax._src import distributed

        return distributed.global_state.client is not None
    except (ImportError, AttributeError):
        return False


def _backend_ready() -> bool:
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge._backends)
    except (ImportError, AttributeError):
        return False
