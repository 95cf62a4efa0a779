"""A validated config as plain values with attribute access (``cfg.model.onnx``), read-only.

Composition and validation go through OmegaConf (``config.compose``); what the build then reads is
this view of the validated plain values, so a no-op ``doit`` run, whose configs come from the
compose cache, never imports OmegaConf (about 0.1 s) nor rebuilds its node trees (0.05 s a target).
"""

from __future__ import annotations

from typing import Any, Mapping


def _readonly(self, *args: Any, **kwargs: Any) -> None:
    raise TypeError("the composed config is read-only; give a different value as a Hydra override")


class ConfigList(list):
    """A list of config values (views for sections), read-only."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _readonly  # type: ignore[assignment]
    append = extend = insert = pop = remove = clear = sort = reverse = _readonly  # type: ignore[assignment]

    def __reduce__(self):
        return (_list, (to_plain(self),))


class ConfigView(dict):
    """One config section: ``view.key`` or ``view["key"]``; nested sections are views too."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key '{name}'") from None

    __setitem__ = __delitem__ = __setattr__ = __delattr__ = _readonly  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = __ior__ = _readonly  # type: ignore[assignment]

    def __reduce__(self):  # pickling (doit -n) and deepcopy rebuild it from plain values
        return (view, (to_plain(self),))


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return view(value)
    if isinstance(value, list):
        return _list(value)
    return value


def view(data: Mapping[str, Any]) -> ConfigView:
    out = ConfigView()
    for k, v in data.items():
        dict.__setitem__(out, k, _wrap(v))
    return out


def _list(items: list) -> ConfigList:
    out = ConfigList()
    list.extend(out, (_wrap(v) for v in items))
    return out


def to_plain(value: Any) -> Any:
    """Plain ``dict`` / ``list`` copies of a view."""
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
