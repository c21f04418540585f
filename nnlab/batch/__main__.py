import sys

# jsonschema imports rfc3987_syntax, when installed, only to check "iri" strings, which no
# notebook or nbgrader schema has; that import compiles a grammar for seconds. Skip it here.
sys.modules.setdefault("rfc3987_syntax", None)

from nnlab.batch.run import main  # noqa: E402

sys.exit(main())
