import importlib
import inspect

import pytest


@pytest.mark.parametrize("package", ["safeship.controls", "safeship.store"])
def test_public_api_is_sorted_importable_and_documented(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{package}.{name} has no docstring"
