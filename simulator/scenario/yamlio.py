"""Reading YAML safely, remembering the line of every key.

Only plain data is accepted (no ``!!python/...`` tags). Besides the data we
keep, for every dotted path, the line it was written on, so a validation
error can point at it. Duplicate keys, non-text keys, runaway alias
expansion and runaway nesting are errors, not surprises; merge keys
(``<<: *anchor``) work as YAML defines them, explicit keys overriding
merged ones.
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
            if text.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise YamlProblem("UTF-16 text, not UTF-8 (it starts with a UTF-16 byte order mark): save the "
                                  "scenario as UTF-8") from None
            line = text[:err.start].count(b"\n") + 1
            raise YamlProblem(f"line {line} is not UTF-8 text (byte {text[err.start]:#04x}): a scenario is UTF-8 "
                              "text; is this a scenario file, or was it saved in another encoding?") from None
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
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Builds plain data from the composed nodes, noting each path's line.

    Merge keys (``team: {<<: *team, reps: 2}``) follow YAML: the keys of the
    merged mappings come in unless the mapping gives them itself, and of
    several merged mappings (``<<: [*a, *b]``) the earlier wins. A key
    written twice is an error; a merged key given again is an override.
    A merged key's line is the line of its ``<<``, since that is where this
    mapping takes it.
    """

    def __init__(self, loader: Loader, lines: dict):
        self.loader, self.lines, self.count = loader, lines, 0
        self.flat: dict[int, dict] = {}   # id(mapping node) -> its keys after its own merges

    def build(self, node, path: tuple, at: int | None = None):
        """The value of ``node`` at ``path``; ``at``, when given, is the line of everything in it."""
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(f"the document expands to more than {MAX_NODES:,} values "
                              "(aliases nested too deep?)", node.start_mark.line + 1)
        self.lines.setdefault(path, at or node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise YamlProblem(f"the tag {node.tag} is not allowed: a scenario holds plain data only",
                              node.start_mark.line + 1, path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, at)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), at) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as err:
            raise YamlProblem(f"{err.problem}: a scenario holds plain data only", node.start_mark.line + 1,
                              path) from None

    def _mapping(self, node, path: tuple, at: int | None) -> dict:
        merged, explicit, merge_line = self._split(node, path, ())
        result = {}
        for key_node, value_node in explicit:
            key = self._key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in result:
                raise YamlProblem(f"duplicate key '{key}' (first on line {self.lines[path + (key,)]})",
                                  line, path + (key,))
            self.lines[path + (key,)] = at or line
            result[key] = self.build(value_node, path + (key,), at)
        for key, value_node in merged.items():
            if key not in result:   # a key the mapping gives itself overrides a merged one
                self.lines[path + (key,)] = at or merge_line
                result[key] = self.build(value_node, path + (key,), at or merge_line)
        return result

    def _split(self, node, path: tuple, active: tuple) -> tuple[dict, list, int | None]:
        """A mapping's merged keys (key -> value node), its own pairs, and the line of its first ``<<``."""
        explicit, sources, merge_line = [], [], None
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:value":   # a bare '=' key is text, as PyYAML reads it
                key_node.tag = "tag:yaml.org,2002:str"
            if key_node.tag != _MERGE:
                explicit.append((key_node, value_node))
                continue
            merge_line = merge_line or key_node.start_mark.line + 1
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            if not all(isinstance(item, yaml.MappingNode) and item.tag in _PLAIN_TAGS for item in items):
                raise YamlProblem("'<<' merges a mapping or a list of mappings, such as <<: *team",
                                  key_node.start_mark.line + 1, path)
            sources += items
        merged: dict = {}
        for source in sources:   # the earlier mapping wins
            for key, value_node in self._flat(source, path, active).items():
                merged.setdefault(key, value_node)
        return merged, explicit, merge_line

    def _flat(self, node, path: tuple, active: tuple) -> dict:
        """A merged mapping's keys (key -> value node): its own, then those it merges in turn."""
        if id(node) in self.flat:
            return self.flat[id(node)]
        if id(node) in active:
            raise YamlProblem("'<<' merges a mapping into itself", node.start_mark.line + 1, path)
        merged, explicit, _ = self._split(node, path, active + (id(node),))
        keys = {self._key(key_node, path): value_node for key_node, value_node in explicit}
        self.flat[id(node)] = {**{k: v for k, v in merged.items() if k not in keys}, **keys}
        return self.flat[id(node)]

    def _key(self, key_node, path: tuple) -> str:
        key = self.loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise YamlProblem(f"key {key!r} is not text (quote it: '{key}')", key_node.start_mark.line + 1, path)
        return key


def parse_scalar(text: str):
    """A ``--set`` value, read as YAML (``4``, ``2.5e6``, ``monthly``, ``{poisson: {mean: 3}}``)."""
    data, _ = read_yaml(text)
    return data
