"""Safe YAML that remembers where every key and value was written.

The text is composed to nodes with PyYAML's safe machinery and converted here, so
nothing is ever constructed from a tag. Duplicate keys, anchors/aliases, explicit
tags and oversized files are reported as problems, with the line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .diagnostics import Location, Problems

MAX_YAML_BYTES = 1_000_000
MAX_DEPTH = 50

Path = tuple  # of str | int

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in site files", event.start_mark
            )
        return super().compose_node(parent, index)


@dataclass
class Marks:
    """Locations of values and keys in one YAML document, by path."""

    rel_path: str
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    block_lines: dict = field(default_factory=dict)  # path -> first content line of a block scalar

    def at(self, path: Path) -> Location:
        """The location of the value at path, or of its nearest written ancestor."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Location(self.rel_path, 1, 1))

    def key(self, path: Path) -> Location:
        return self.keys.get(tuple(path)) or self.at(path)


def _loc(rel_path: str, mark, line_offset: int) -> Location:
    return Location(rel_path, mark.line + 1 + line_offset, mark.column + 1)


def load_yaml(text: str, rel_path: str, problems: Problems, line_offset: int = 0):
    """Parse YAML text. Returns (data, marks); data is None when the text is unusable."""
    marks = Marks(rel_path)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        problems.error(
            f"file is too large ({len(text)} characters; the limit is {MAX_YAML_BYTES} bytes)",
            Location(rel_path, 1 + line_offset, 1),
            "split it into smaller files",
        )
        return None, marks
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(rel_path, mark, line_offset) if mark else Location(rel_path, 1 + line_offset, 1)
        message = (exc.problem or exc.context or "invalid YAML").strip()
        problems.error(f"YAML syntax: {message}", loc, _syntax_hint(message))
        return None, marks
    except yaml.YAMLError as exc:  # reader errors (control characters)
        problems.error(f"YAML syntax: {exc}", Location(rel_path, 1 + line_offset, 1))
        return None, marks
    except RecursionError:
        problems.error("YAML is nested too deeply", Location(rel_path, 1 + line_offset, 1))
        return None, marks
    finally:
        loader.dispose()
    if node is None:
        return None, marks
    data = _convert(node, (), marks, loader, problems, line_offset, 0)
    return data, marks


def _syntax_hint(message: str) -> str:
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character '\\t'" in message:
        return "indent with spaces, not tabs"
    if "could not find expected ':'" in message:
        return "check the indentation and that every key ends with ':'"
    return ""


def _convert(node, path, marks: Marks, loader, problems: Problems, off: int, depth: int):
    rel = marks.rel_path
    loc = _loc(rel, node.start_mark, off)
    marks.values[path] = loc
    if depth > MAX_DEPTH:
        problems.error("YAML is nested too deeply", loc)
        return None
    if isinstance(node, ScalarNode):
        if node.tag not in _PLAIN_TAGS:
            problems.error(f"YAML tag '{node.tag}' is not allowed", loc, "remove the '!' tag")
            return None
        if node.style in ("|", ">"):
            marks.block_lines[path] = node.start_mark.line + 2 + off
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: the date field keeps partial dates partial
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        try:
            return loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
    if isinstance(node, SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            problems.error(f"YAML tag '{node.tag}' is not allowed", loc)
            return None
        return [
            _convert(child, path + (i,), marks, loader, problems, off, depth + 1)
            for i, child in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            problems.error(f"YAML tag '{node.tag}' is not allowed", loc)
            return None
        result: dict = {}
        for key_node, value_node in node.value:
            key_loc = _loc(rel, key_node.start_mark, off)
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                problems.error("keys must be plain names", key_loc)
                continue
            key = key_node.value
            if key in result:
                first = marks.keys.get(path + (key,))
                where = f" (first written at line {first.line})" if first else ""
                problems.error(f"duplicate key '{key}'{where}", key_loc, "keep one of them")
                continue
            marks.keys[path + (key,)] = key_loc
            result[key] = _convert(value_node, path + (key,), marks, loader, problems, off, depth + 1)
        return result
    problems.error("unsupported YAML node", loc)  # pragma: no cover
    return None
