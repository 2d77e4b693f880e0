"""The real validators our output is checked with (tests/integration/ecosystem.rs).

  validate.py xsd SCHEMA.xsd FILE.xml          XML Schema validation (lxml)
  validate.py json SCHEMA.json FILE.json...    JSON Schema validation (jsonschema, the draft the schema names)

Exit 0 when every file is valid; 1 with one line per error (file: place: message) otherwise.
"""
import json
import sys


def xsd(schema_path, files):
    from lxml import etree
    schema = etree.XMLSchema(etree.parse(schema_path))
    ok = True
    for path in files:
        if not schema.validate(etree.parse(path)):
            ok = False
            for error in schema.error_log:
                print(f"{path}:{error.line}: {error.message}")
    return ok


def json_schema(schema_path, files):
    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    ok = True
    for path in files:
        with open(path) as f:
            document = json.load(f)
        for error in validator(schema).iter_errors(document):
            ok = False
            place = "/".join(str(p) for p in error.absolute_path) or "(top)"
            print(f"{path}: {place}: {error.message}")
    return ok


if __name__ == "__main__":
    kind, schema, *files = sys.argv[1:]
    check = {"xsd": xsd, "json": json_schema}[kind]
    sys.exit(0 if check(schema, files) else 1)
