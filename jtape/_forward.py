"""Forward mode: ``ForwardAccumulator``, lowered to ``jax.jvp`` of the recorded graph."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import _lowering
from ._op import call_op
from ._state import state
from ._tape import Recorder, UnconnectedGradients, _flatten, _short, _unconnected
from ._tensor import Tensor, to_value
from ._variable import Variable


class ForwardAccumulator(Recorder):
    """Jacobian-vector products, TensorFlow's ``tf.autodiff.ForwardAccumulator``.

    Operations run inside the ``with`` block on ``primals`` are recorded; ``jvp(t)``
    lowers them into one function and returns ``jax.jvp`` of it in the direction
    ``tangents``. Nesting with GradientTape gives Hessian-vector products both ways.

    Example:
        >>> import jtape as jt
        >>> x = jt.constant(2.0)
        >>> with jt.ForwardAccumulator(x, jt.constant(1.0)) as acc:
        ...     y = x ** 3
        >>> float(acc.jvp(y))
        12.0
    """

    def __init__(self, primals, tangents) -> None:
        super().__init__(watch_accessed_variables=False)
        self._primals, _ = _flatten(primals, "primals")
        seen: set[int] = set()
        for p in self._primals:
            if id(p) in seen:
                raise ValueError(
                    f"Tensor {_short(p)} was specified as a primal multiple times. This may "
                    "indicate an error. If it was intended, please sum the corresponding "
                    "tangents."
                )
            seen.add(id(p))
        tangent_leaves = jax.tree_util.tree_leaves(
            tangents, is_leaf=lambda x: isinstance(x, (Tensor, Variable))
        )
        if len(tangent_leaves) != len(self._primals):
            raise ValueError(
                f"tangents: expected {len(self._primals)} tangents (one per primal), "
                f"got {len(tangent_leaves)}"
            )
        self._tangents = []
        for p, t in zip(self._primals, tangent_leaves):
            t = t if isinstance(t, Tensor) else Tensor(to_value(t, p.dtype))
            if tuple(t.shape) != tuple(p.shape):
                # TF accepts a mismatched tangent here and fails (or broadcasts) later.
                raise ValueError(
                    f"tangents: shape {t.shape} does not match its primal's shape {p.shape}"
                )
            self._tangents.append(t)
        for p in self._primals:
            self._watch_one(p, "primal")

    def __enter__(self) -> ForwardAccumulator:
        if any(r is self for r in state.recorders):
            raise ValueError("Accumulator is already recording.")
        state.recorders.append(self)
        return self

    def __exit__(self, *exc) -> None:
        recs = state.recorders
        for i in range(len(recs) - 1, -1, -1):
            if recs[i] is self:
                del recs[i]
                break

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The directional derivative of ``primals`` (a nested structure of tensors)."""
        mode = _unconnected(unconnected_gradients)
        leaves, tree = _flatten(primals, "primals")
        leaves = [t.value() if isinstance(t, Variable) else t for t in leaves]
        groups = [self._source_group(p) for p in self._primals]
        out = []
        for target in leaves:
            plan = _lowering.build_plan(self._nodes, [target], groups)
            if not any(plan.connected):
                if mode is UnconnectedGradients.ZERO:
                    out.append(Tensor(jnp.zeros(target.shape, target.dtype)))
                else:
                    out.append(None)
                continue
            program, compiled = _lowering.programs.get(plan)
            srcs = [t for t, c in zip(plan.source_tensors, plan.connected) if c]
            tans = [t for t, c in zip(self._tangents, plan.connected) if c]
            fn = _JvpCall(program, "jvp", compiled)
            (tangent,) = call_op(fn, (tuple(srcs), tuple(tans), tuple(plan.captured_tensors)), {})
            out.append(tangent)
        return jax.tree_util.tree_unflatten(tree, out)


class _JvpCall(_lowering.BoundCall):
    __slots__ = ()

    def __call__(self, sources, tangents, captured):
        prog = self.program

        def jvp(sources, tangents, captured):
            _, out = jax.jvp(lambda *s: prog.replay(s, captured), tuple(sources), tuple(tangents))
            return out

        if self.compiled:
            return prog.jitted("jvp", jvp)(sources, tangents, captured)
        _lowering.stats["eager_runs"] += 1
        return jvp(sources, tangents, captured)
