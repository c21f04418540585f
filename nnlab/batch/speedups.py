"""Two costs of nbgrader that a whole class multiplies, removed in the grading process.

- nbgrader opens a new database engine for every preprocessor of every notebook (some ten per
  notebook), and SQLAlchemy compiles every query again for each new engine. Here one engine a
  database URL is kept for the life of the process, so each query is compiled once.
  Each Gradebook also inspects the database and creates missing tables; once per engine is enough.
- nbgrader checks cell metadata with `jsonschema.validate`, which validates the schema itself
  again for every cell before validating the cell. Here the validator of a schema is made once.

Both keep nbgrader's behaviour (the same queries, the same schema and errors); they apply only
in the process that calls `install()`: `nnlab grade`'s grading process and its workers.
"""
from __future__ import annotations

import json
import os
import types

_engines: dict[tuple[int, str], object] = {}
_validators: dict[str, object] = {}


def _shared_engine(create_engine):
    def create(url, *args, **kwargs):
        key = (os.getpid(), str(url))   # never share an engine across a fork
        if key not in _engines:
            _engines[key] = create_engine(url, *args, **kwargs)
        return _engines[key]
    return create


class _Tables:
    def __init__(self, names: list[str]):
        self.names = names

    def get_table_names(self) -> list[str]:
        return list(self.names)


def _tables_made_once(api) -> None:
    made: dict[int, list[str]] = {}
    inspect, create_all = api.inspect, api.Base.metadata.create_all

    def cached_inspect(engine):
        return _Tables(made[id(engine)]) if id(engine) in made else inspect(engine)

    def create_all_once(bind=None, **kwargs):
        if id(bind) not in made:
            create_all(bind=bind, **kwargs)
            made[id(bind)] = inspect(bind).get_table_names()

    api.inspect = cached_inspect
    api.Base.metadata.create_all = create_all_once


def _cached_validate(jsonschema):
    def validate(instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        validator = _validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = _validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error
    return validate


def install() -> None:
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as common

    if getattr(nbgrader.api, "_nnlab_speedups", False):
        return
    nbgrader.api.create_engine = _shared_engine(nbgrader.api.create_engine)
    _tables_made_once(nbgrader.api)
    shim = types.SimpleNamespace(**{name: getattr(jsonschema, name) for name in dir(jsonschema)
                                    if not name.startswith("__")})
    shim.validate = _cached_validate(jsonschema)
    common.jsonschema = shim
    nbgrader.api._nnlab_speedups = True
