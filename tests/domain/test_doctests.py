"""The examples in the domain's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import models
import routing

MODULES = sorted(m.name for pkg in (models, routing)
                 for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
                 if ".migrations" not in m.name)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
