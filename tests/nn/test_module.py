"""jt.Module (tf.Module): finding Variables and sub-modules, names and name scopes."""

from __future__ import annotations

import pytest

import jtape as jt
from jtape._module import Module, current_name_scope, name_scope


class Leaf(Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.w = jt.Variable(1.0, name="w")
        self.b = jt.Variable(0.0, trainable=False, name="b")


def test_default_name_is_snake_case_of_class_name():
    assert Leaf().name == "leaf"

    class MyDenseModule(Module):
        pass

    class Conv2D(Module):
        pass

    assert MyDenseModule().name == "my_dense_module"
    assert Conv2D().name == "conv2_d"  # TF's rule for tf.Module (Keras layers differ)


def test_invalid_name_raises_value_error():
    with pytest.raises(ValueError, match="valid module name"):
        Module(name="not valid")
    with pytest.raises(ValueError, match="valid module name"):
        Module(name="a/b")


def test_variables_sorted_by_attribute_name_and_filtered():
    m = Leaf()
    # tf.Module walks attributes in sorted order: "b" before "w".
    assert [v.name for v in m.variables] == ["b:0", "w:0"]
    assert [v.name for v in m.trainable_variables] == ["w:0"]
    assert [v.name for v in m.non_trainable_variables] == ["b:0"]


def test_variables_inside_lists_tuples_and_dicts():
    m = Module()
    v = [jt.Variable(float(i), name=f"v{i}") for i in range(5)]
    m.items = [v[0], (v[1], {"z": v[2], "a": v[3]})]
    m.single = v[4]
    names = [x.name for x in m.variables]
    # attribute "items" < "single"; dict keys sorted ("a" before "z")
    assert names == ["v0:0", "v1:0", "v3:0", "v2:0", "v4:0"]


def test_list_mutated_after_assignment_is_seen():
    m = Module()
    m.layers = []
    m.layers.append(Leaf())
    assert len(m.variables) == 2
    assert len(m.submodules) == 1


def test_own_variables_before_submodules_and_each_once():
    outer = Module(name="outer")
    inner = Leaf(name="inner")
    outer.z_own = jt.Variable(5.0, name="own")
    outer.a_child = inner
    outer.alias = inner.w  # the same variable twice: reported once
    names = [v.name for v in outer.variables]
    assert names == ["w:0", "own:0", "b:0"]
    assert len(outer.variables) == 3


def test_submodules_depth_first_and_cycles_terminate():
    a, b, c = Module(name="a"), Module(name="b"), Module(name="c")
    a.b = b
    b.c = c
    c.back = a  # a cycle
    assert list(a.submodules) == [b, c]
    assert a.variables == ()


def test_generator_state_is_tracked():
    m = Module()
    m.gen = jt.random.Generator(3)
    assert m.variables == (m.gen.state,)
    assert m.trainable_variables == ()


def test_gradient_through_module_variables():
    m = Leaf()
    with jt.GradientTape() as tape:
        y = m.w * m.w * 3.0 + m.b
    (g,) = tape.gradient(y, m.trainable_variables)
    assert float(g) == pytest.approx(6.0)


def test_name_scope_and_with_name_scope():
    with name_scope("outer"):
        m = Leaf(name="mod")
    assert m.name_scope.name == "outer/mod/"
    with m.name_scope as scope:
        assert scope == "outer/mod/"
        assert current_name_scope() == "outer/mod/"
    assert current_name_scope() == ""

    class Scoped(Module):
        @Module.with_name_scope
        def where(self):
            return current_name_scope()

    assert Scoped(name="s").where() == "s/"
    with pytest.raises(TypeError, match="name must be a str"):
        name_scope(3)
