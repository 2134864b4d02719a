"""The examples in the domain's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import console.application
import models
import routing

# the domain and the console's Qt-free application layer (the service's command line too)
MODULES = sorted([m.name for pkg in (models, routing, console.application)
                  for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
                  if ".migrations" not in m.name] + ["console.serve_cli"])


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
