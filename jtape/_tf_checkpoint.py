"""``Checkpoint.restore`` of a checkpoint TensorFlow wrote, into jtape objects.

TF names a value by its object-graph path (``optimizer/_variables/2``), which differs from
jtape's (``optimizer/slot_vars/0/0``). The checkpoint's ``_CHECKPOINTABLE_OBJECT_GRAPH``
entry (a ``TrackableObjectGraph`` proto: ``nodes`` 1, each with ``children`` 1 =
``{node_id 1, local_name 2}`` and ``attributes`` 2 = ``{name 1, full_name 2,
checkpoint_key 3}``) says which key each object's variable is stored under. Each jtape
variable is given a graph node by one of these rules:

* a Keras optimizer: Keras 3 lists its state as ``_variables/<k>`` in the order of
  ``optimizer.variables`` (which jtape follows), and the variables it was built for as
  ``_trainable_variables/<i>``;
* the same path (attribute names, list indices, dict keys; a jtape path part ``name``
  also matches TF's ``_name``): plain variables, modules, subclassed models' layers;
* a Keras model or layer with weights still unplaced (a Sequential: TF's path runs
  through Keras 3's ``_functional/_operations``): its ``weights`` in order against the
  variables of TF's subtree in depth-first order, which is Keras 3's weight order; where
  the optimizer or a path already placed a weight, both must agree.

Every existing variable (except ``save_counter``, which TF's ``write`` leaves out, and a
Keras model's variables outside its ``weights``, which Keras 3 does not save) must
find a value of its shape and dtype, or restore raises a ``CheckpointError`` listing the
unmatched ones and changes nothing. TF values no variable took are reported by the status
(``assert_consumed``) and wait for variables created later at their TF path.
"""

from __future__ import annotations

import numpy as np

from ._checkpoint_io import KEY_SUFFIX, CheckpointDtypeError, CheckpointError
from ._tensor_proto import _Reader
from ._tf_bundle import OBJECT_GRAPH_KEY, TFBundle

_COUNTER = "save_counter"


class _Node:
    __slots__ = ("children", "key")

    def __init__(self) -> None:
        self.children: dict[str, int] = {}
        self.key: str | None = None  # the checkpoint key of its VARIABLE_VALUE


def parse_object_graph(data: bytes) -> list[_Node]:
    """The nodes of a ``TrackableObjectGraph`` proto (node 0 is the root)."""
    nodes = []
    for number, wire, value in _Reader(data).fields():
        if number != 1 or wire != 2:
            continue
        node = _Node()
        for n, w, v in _Reader(value).fields():
            if w != 2:
                continue
            fields = {f: x for f, _, x in _Reader(v).fields()}
            if n == 1:
                node.children[fields.get(2, b"").decode()] = int(fields.get(1, 0))
            elif n == 2 and fields.get(1) == b"VARIABLE_VALUE":
                node.key = fields.get(3, b"").decode()
        nodes.append(node)
    return nodes


class _Planner:
    """Pairs jtape variables (by path) with TF object-graph nodes."""

    def __init__(self, nodes: list[_Node], variables: dict) -> None:
        self.nodes = nodes
        self.paths = {id(v): p for p, v in variables.items()}
        self.plan: dict[str, int] = {}  # jtape path -> node id
        self.conflicts: list[str] = []
        self.from_path: set[str] = set()  # placements made by the object path
        self.subtree_keys: dict[int, list] = {}  # id(layer or optimizer) -> TF keys below

    def child(self, node: int | None, name: str) -> int | None:
        if node is None or node >= len(self.nodes):
            return None
        children = self.nodes[node].children
        return children.get(name, children.get("_" + name))

    def give(self, var, node: int | None, why: str) -> None:
        path = self.paths.get(id(var))
        if path is None or node is None or self.nodes[node].key is None:
            return
        known = self.plan.get(path)
        if known is not None and known != node:
            self.conflicts.append(
                f"{path}: {why} gives '{self.nodes[node].key}', but it already has "
                f"'{self.nodes[known].key}' (from the optimizer or the object path)"
            )
            return
        self.plan[path] = node
        if why == "the object path":
            self.from_path.add(path)

    def optimizer(self, opt, node: int) -> None:
        state = self.child(node, "_variables")
        mine = list(opt.variables)
        listed = list(self.nodes[state].children.values()) if state is not None else []
        self.subtree_keys[id(opt)] = [self.nodes[i].key for i in listed if i < len(self.nodes)]
        if state is not None and len(listed) == len(mine):
            for k, var in enumerate(mine):
                self.give(var, self.child(state, str(k)), "optimizer._variables")
        built = self.child(node, "_trainable_variables")
        for i, var in enumerate(getattr(opt, "_vars", [])):
            self.give(var, self.child(built, str(i)), "optimizer._trainable_variables")

    def layer(self, layer, node: int) -> None:
        found: list[int] = []
        seen: set[int] = set()

        def visit(i: int) -> None:  # depth first, children in the graph's order
            if i in seen or i >= len(self.nodes):
                return
            seen.add(i)
            if self.nodes[i].key is not None:
                found.append(i)
            for name, c in self.nodes[i].children.items():
                if name != "optimizer":  # a compiled Keras model's: not the model's state
                    visit(c)

        visit(node)
        self.subtree_keys[id(layer)] = [self.nodes[i].key for i in found]
        weights = list(layer.weights)
        if all(self.paths.get(id(w)) in self.from_path for w in weights):
            return  # a subclassed model: its attribute names placed every weight
        if len(weights) == len(found):
            for var, i in zip(weights, found):
                self.give(var, i, "the model's weight order")

    def by_path(self, root: str, node: int, variables: dict) -> None:
        for path, var in variables.items():
            if path != root and not path.startswith(root + "/"):
                continue
            at: int | None = node
            for part in path.split("/")[1:]:
                at = self.child(at, part)
            self.give(var, at, "the object path")


def restore_tf(checkpoint, path: str):
    """Restore a TF-written checkpoint into ``checkpoint``'s objects; returns the pieces
    ``Checkpoint.restore`` builds its status from: ``(assign, saved, waiting)``."""
    from .nn._layer import Layer
    from .optimizers._base import Optimizer

    bundle = TFBundle(path)
    variables = checkpoint._variables()
    roots = checkpoint._roots()
    if OBJECT_GRAPH_KEY in bundle.entries:
        graph = bundle.read(OBJECT_GRAPH_KEY)
        try:
            nodes = parse_object_graph(graph[()] if isinstance(graph, np.ndarray) else graph)
        except ValueError as e:
            raise CheckpointError(f"{path}: its object graph cannot be decoded ({e})") from None
    else:  # a name-based (TF 1) checkpoint: keys are the paths
        nodes = []
    planner = _Planner(nodes, variables)
    plan: dict[str, str] = {}
    if nodes:
        top = nodes[0].children
        # optimizers first: they place the model's trainable weights unambiguously
        order = sorted(roots, key=lambda n: not isinstance(roots[n], Optimizer))
        for name in order:
            obj, node = roots[name], top.get(name)
            if node is None:
                continue
            if isinstance(obj, Optimizer):
                planner.optimizer(obj, node)
            planner.by_path(name, node, variables)
            if isinstance(obj, Layer):
                planner.layer(obj, node)
        if planner.conflicts:
            raise CheckpointError(
                f"TensorFlow checkpoint {path} does not line up with these objects; nothing "
                "was restored:\n  " + "\n  ".join(planner.conflicts)
            )
        plan = {p: nodes[i].key for p, i in planner.plan.items()}
    else:
        plan = {p: p + KEY_SUFFIX for p in variables if p + KEY_SUFFIX in bundle.entries}

    # A Keras model's state outside its weights (Dropout's generator state, a compiled
    # model's loss and metric trackers) is not in TF's checkpoints either (Keras 3 does
    # not track it): not restored, and not reported, as in TF.
    weights = {id(w) for obj in roots.values() if isinstance(obj, Layer) for w in obj.weights}
    untracked = {
        p
        for p, v in variables.items()
        if p not in plan and id(v) not in weights and isinstance(roots.get(p.split("/")[0]), Layer)
    }
    skipped = untracked | {_COUNTER}
    unmatched = sorted(p for p in variables if p not in plan and p not in skipped)
    if unmatched:
        raise CheckpointError(
            f"TensorFlow checkpoint {path}: {len(unmatched)} variables found no value, so "
            f"nothing was restored: {unmatched[:20]}. jtape matches a Keras model by its "
            "weights in order and an optimizer by its Keras 3 variables; build both first "
            "(call the model once, optimizer.build(model.trainable_variables)): restoring a "
            f"TF checkpoint is not deferred. Keys in the checkpoint: {sorted(bundle.entries)}"
        )
    used = set(plan.values())
    left_over = []  # a model's or optimizer's TF values must all land: no deferral here
    for name, obj in roots.items():
        keys = planner.subtree_keys.get(id(obj), [])
        left_over += [f"{name}: {k}" for k in keys if k is not None and k not in used]
    if left_over:
        raise CheckpointError(
            f"TensorFlow checkpoint {path}: {len(left_over)} values of a Keras model or "
            f"optimizer found no variable, so nothing was restored: {left_over[:20]}. "
            "Restoring a TF checkpoint is not deferred: build the model (call it once) and "
            "the optimizer (optimizer.build(model.trainable_variables)) first, with the same "
            "layers as the model TF saved."
        )
    problems, shape_problem = [], False
    for p, key in plan.items():
        var, entry = variables[p], bundle.entries.get(key)
        if entry is None:
            problems.append(f"{p}: the object graph names '{key}', absent from the checkpoint")
            shape_problem = True
            continue
        shape, dtype = tuple(entry.shape), entry.dtype
        counter_cast = p == _COUNTER and dtype.kind == "i"
        if tuple(var.shape) != shape or (dtype.name != var.dtype.name and not counter_cast):
            shape_problem |= tuple(var.shape) != shape
            problems.append(
                f"{p} ({key}): checkpoint has {shape} {dtype.name}, variable has "
                f"{tuple(var.shape)} {var.dtype.name}"
            )
    if problems:  # TF: a shape differs -> ValueError; only dtypes -> InvalidArgumentError
        kind = CheckpointError if shape_problem else CheckpointDtypeError
        raise kind(
            f"TensorFlow checkpoint {path} does not match; nothing was restored:\n  "
            + "\n  ".join(problems)
        )
    values = {p: bundle.read(key) for p, key in plan.items()}  # all read and verified first
    if _COUNTER in values:
        counter = values[_COUNTER]
        if not np.iinfo(np.int32).min <= int(counter) <= np.iinfo(np.int32).max:
            raise CheckpointError(f"{path}: save_counter {int(counter)} does not fit int32")
        values[_COUNTER] = counter.astype(variables[_COUNTER].dtype.name)
    saved = {
        p: {"shape": list(bundle.entries[k].shape), "dtype": variables[p].dtype.name}
        for p, k in plan.items()
    }
    for p in untracked:
        saved[p] = {"shape": list(variables[p].shape), "dtype": variables[p].dtype.name}
    waiting = {}
    for key, entry in bundle.entries.items():
        if key in used or key == OBJECT_GRAPH_KEY:
            continue
        left = key[: -len(KEY_SUFFIX)] if key.endswith(KEY_SUFFIX) else key
        try:
            dtype_name = "string" if entry.code == 7 else entry.dtype.name
            value = np.asarray(bundle.read(key), None if entry.code != 7 else object)
        except NotImplementedError:  # a dtype jtape cannot read: reported, never assigned
            dtype_name, value = f"DataType({entry.code})", None
        saved[left] = {"shape": list(entry.shape), "dtype": dtype_name}
        waiting[left] = value
    return values, saved, waiting
