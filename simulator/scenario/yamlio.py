"""Reading YAML safely, remembering the line of every key.

Only plain data is accepted (no ``!!python/...`` tags). Besides the data we
keep, for every dotted path, the line it was written on, so a validation
error can point at it. Duplicate keys, non-text keys, runaway alias
expansion and runaway nesting are errors, not surprises.
"""
from __future__ import annotations

import re

import yaml

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64   # a scenario nests about 8 deep; far deeper is junk (and would exhaust the stack)


class YamlProblem(Exception):
    """A problem found while reading: a message and, when known, a line and path."""

    def __init__(self, message: str, line: int | None = None, path: tuple = ()):
        super().__init__(message)
        self.message, self.line, self.path = message, line, path


class Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``2.5e6`` and ``1e6`` as numbers (YAML 1.1 would not).

    It refuses values nested more than :data:`MAX_DEPTH` deep before
    PyYAML's recursive composer runs out of stack.
    """

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"values are nested more than {MAX_DEPTH} levels deep: is this a scenario "
                                  "file?", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(text: str | bytes) -> tuple[object, dict[tuple, int]]:
    """Parse one YAML document; return (data, line of each path, 1-based)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise YamlProblem(f"the file is {len(text):,} bytes; a scenario is at most {MAX_BYTES:,}")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise YamlProblem(f"not UTF-8 text (byte {err.start}): is this a scenario file?") from None
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"the text is {len(text):,} characters; a scenario is at most {MAX_BYTES:,}")
    if "\x00" in text:
        raise YamlProblem("the file contains NUL bytes: is this a scenario file?")
    odd = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if odd:
        raise YamlProblem(f"the control character {odd.group()!r} is not allowed in YAML: is this a scenario file?",
                          text.count("\n", 0, odd.start()) + 1)
    try:
        loader = Loader(text)
    except yaml.YAMLError as err:
        raise YamlProblem(f"YAML: {err}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[tuple, int] = {}
        data = _Builder(loader, lines).build(node, ())
        return data, lines
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        what = err.problem or err.context or "invalid YAML"
        raise YamlProblem(f"YAML syntax: {what}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as err:
        raise YamlProblem(f"YAML: {err}") from None
    finally:
        loader.dispose()


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _Builder:
    def __init__(self, loader: Loader, lines: dict):
        self.loader, self.lines, self.count = loader, lines, 0

    def build(self, node, path: tuple):
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(f"the document expands to more than {MAX_NODES:,} values "
                              "(aliases nested too deep?)", node.start_mark.line + 1)
        self.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise YamlProblem(f"the tag {node.tag} is not allowed: a scenario holds plain data only",
                              node.start_mark.line + 1, path)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise YamlProblem(f"key {key!r} is not text (quote it: '{key}')", line, path)
                if key in result:
                    raise YamlProblem(f"duplicate key '{key}' (first on line {self.lines[path + (key,)]})",
                                      line, path + (key,))
                self.lines[path + (key,)] = line
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as err:
            raise YamlProblem(f"{err.problem}: a scenario holds plain data only", node.start_mark.line + 1,
                              path) from None


def parse_scalar(text: str):
    """A ``--set`` value, read as YAML (``4``, ``2.5e6``, ``monthly``, ``{poisson: {mean: 3}}``)."""
    data, _ = read_yaml(text)
    return data
