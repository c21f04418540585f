"""The marking page's URLs name an assignment, a notebook, a question or an item: a dot-dot (or any
name starting with a dot) names none of them, so it never reaches a handler that builds a path."""
from __future__ import annotations

import re

import pytest

from nnlab.marking.extension import handlers


@pytest.mark.parametrize("path", [
    "/nnlab/marking/../../etc/passwd",
    "/nnlab/marking/api/../reveal",
    "/nnlab/marking/api/perceptron/../xor_explanation",
    "/nnlab/marking/api/perceptron/perceptron/..",
    "/nnlab/marking/api/perceptron/perceptron/xor_explanation/items/..",
    "/nnlab/marking/.nnlab/perceptron/xor_explanation",
])
def test_no_route_takes_a_dot_dot(path):
    routes = [route[0] for route in handlers("/") if "static" not in route[0]]
    assert not any(re.fullmatch(route, path) for route in routes)


def test_the_routes_take_the_course_names():
    routes = [(route[0], route[1].__name__) for route in handlers("/")]
    matched = {name for pattern, name in routes
               for path in ("/nnlab/marking/perceptron/perceptron/xor_explanation",
                            "/nnlab/marking/api/perceptron/perceptron/xor_explanation/items/item-2")
               if re.fullmatch(pattern, path)}
    assert matched == {"QuestionPageHandler", "ItemHandler"}
