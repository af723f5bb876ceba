"""tf.while_loop's structure leniencies (lists and tuples alike) and accepted kwargs.

Expected values are worked out by hand (and were checked against TF 2.21's graph mode).
"""

import collections

import pytest

import jtape as jt
from jtape._shape import TensorShape

Pt = collections.namedtuple("Pt", "a b")


def _both(fn):
    """Run ``fn`` eagerly and compiled; return both results."""
    return fn(), jt.function(fn)()


@pytest.mark.parametrize("as_list", [True, False])
def test_body_may_return_a_tuple_for_list_loop_vars_and_back(as_list):
    def run():
        init = [jt.constant(0), jt.constant(1.0)]
        init = init if as_list else tuple(init)
        other = tuple if as_list else list
        return jt.while_loop(lambda i, x: i < 3, lambda i, x: other((i + 1, x * 2.0)), init)

    for out in _both(run):
        assert isinstance(out, list if as_list else tuple)  # the loop_vars' structure
        assert int(out[0]) == 3 and float(out[1]) == 8.0


def test_nested_lists_and_tuples_are_alike_too():
    def run():
        return jt.while_loop(
            lambda i, p: i < 3,
            lambda i, p: (i + 1, [p[0] * 2.0, p[1] + 1.0]),
            (jt.constant(0), (jt.constant(1.0), jt.constant(1.0))),
        )

    for i, (x, y) in _both(run):
        assert (int(i), float(x), float(y)) == (3, 8.0, 4.0)


def test_single_element_loop_vars():
    def lone():  # a one-element list whose body returns a bare tensor: TF packs it
        return jt.while_loop(lambda i: i < 3, lambda i: i + 1, [jt.constant(0)])

    def tuple_of_one():
        return jt.while_loop(lambda i: i < 3, lambda i: (i + 1,), [jt.constant(0)])

    for fn in (lone, tuple_of_one):
        for out in _both(fn):
            assert isinstance(out, list) and int(out[0]) == 3


def test_namedtuples_are_tuples_for_the_check_and_keep_their_type():
    def run():
        return jt.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1, b), Pt(jt.constant(0), 1.0))

    def nested():
        return jt.while_loop(
            lambda i, p: i < 2, lambda i, p: (i + 1, (p.a * 2.0, p.b)), [0, Pt(1.0, 5.0)]
        )

    for out in _both(run):
        assert isinstance(out, Pt) and int(out.a) == 3
    for _i, p in _both(nested):
        assert isinstance(p, Pt) and (float(p.a), float(p.b)) == (4.0, 5.0)
    with pytest.raises(ValueError, match="same structure"):  # TF: a Pt is a 2-sequence
        jt.while_loop(lambda p: p.a < 3, lambda p: Pt(p.a + 1, p.b), [Pt(jt.constant(0), 1.0)])


def test_structure_mismatch_is_tfs_value_error():
    for fn in (jt.function, lambda f: f):
        with pytest.raises(ValueError, match="same structure"):
            fn(lambda: jt.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1,), [0, 1.0]))()
        with pytest.raises(ValueError, match="same structure"):
            fn(lambda: jt.while_loop(lambda i: i < 3, lambda i: [i + 1, i], [jt.constant(0)]))()


def test_tf_keyword_arguments_are_accepted():
    def run():
        return jt.while_loop(
            lambda i, x: i < 3,
            lambda i, x: (i + 1, x * 2.0),
            [jt.constant(0), jt.constant(1.0)],
            shape_invariants=[TensorShape([]), TensorShape([None])],
            parallel_iterations=1,
            back_prop=False,
            swap_memory=True,
            name="w",
        )

    for i, x in _both(run):
        assert (int(i), float(x)) == (3, 8.0)


@pytest.mark.parametrize("limit", [2, 0])
def test_maximum_iterations_int_or_tensor(limit):
    def run(m):
        return lambda: jt.while_loop(
            lambda i, x: i < 3, lambda i, x: (i + 1, x * 2.0), [0, 1.0], maximum_iterations=m
        )

    for m in (limit, jt.constant(limit)):
        for i, x in _both(run(m)):
            assert (int(i), float(x)) == (limit, 2.0**limit)


def test_python_number_loop_vars_and_python_bool_cond():
    def run():
        return jt.while_loop(lambda i: True, lambda i: i + 1, [0], maximum_iterations=4)

    for out in _both(run):
        assert int(out[0]) == 4
