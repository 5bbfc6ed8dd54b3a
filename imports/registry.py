"""The kinds of file the portal imports, each an Importer subclass in its app's `importers.py`.

The apps' `importers.py` modules are found by `autodiscover_modules("importers")` when the imports app
is ready (imports/apps.py), the way the admin finds each app's `admin.py`, and register their importer
with `@register`. The list of kinds (the import page's choices, `import_data KIND`, ImportRecord.kind)
is this registry, in the order of INSTALLED_APPS.
"""

_REGISTRY = {}


def register(cls):
    """Class decorator: make the importer of `cls.kind` known."""
    _REGISTRY[cls.kind] = cls
    return cls


def kinds() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def kind_choices():
    """(kind, label) for every registered kind: ImportRecord.kind's choices and the import page's."""
    return [(kind, importer.label) for kind, importer in _REGISTRY.items()]


def kind_label(kind: str) -> str:
    """What a kind's files hold, for people (the importer's label); the kind itself if unknown."""
    importer = _REGISTRY.get(kind)
    return str(importer.label) if importer is not None and importer.label else kind


def get_importer(kind: str):
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(_REGISTRY)}") from None
