"""Safe YAML that remembers where every key and value was written.

The text is composed to nodes with PyYAML's safe machinery and converted here, so
nothing is ever constructed from a tag. Duplicate keys, anchors/aliases, explicit
tags and oversized files are reported as problems, with the line and column.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..diagnostics import Location, Problems

MAX_YAML_BYTES = 1_000_000
MAX_DEPTH = 50

Path = tuple  # of str | int

_REFUSED = object()  # stands for a value refused (and reported) while converting


def _unrefused(value):
    return None if value is _REFUSED else value


def _shown(tag: str) -> str:
    """A tag as it was written: 'tag:yaml.org,2002:binary' -> '!!binary'."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


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
                None, None, "aliases (*name) are not allowed in site files", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:  # an anchor alone does nothing: refused like aliases
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) are not allowed in site files", event.start_mark
            )
        if isinstance(event, ScalarEvent) and event.tag == "!" and event.value == "" and event.style is None:
            # no value but a tag of "!" is empty text: LibYAML reads it so, this parser would read it as null
            event.implicit = (False, event.implicit[1])
        return super().compose_node(parent, index)


@dataclass
class Marks:
    """Locations of values and keys in one YAML document, by path."""

    rel_path: str
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    block_lines: dict = field(default_factory=dict)  # path -> first content line of a block scalar
    block_indents: dict = field(default_factory=dict)  # path -> spaces before a literal block's lines
    inexact: set = field(default_factory=set)  # paths of text that YAML folded or unescaped

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


class _Lines:
    """Line and column of a character index, counting only '\\n' as a line break.

    PyYAML also breaks lines at '\\r', U+0085, U+2028 and U+2029; its own line numbers
    would then disagree with the file as every other message and editor counts it.
    """

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        i = text.find("\n")
        while i >= 0:
            self.starts.append(i + 1)
            i = text.find("\n", i + 1)

    def line_col(self, index: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, index) - 1
        return i + 1, index - self.starts[i] + 1


def _loc(rel_path: str, mark, line_offset: int, lines: "_Lines | None" = None) -> Location:
    if lines is not None and mark.index is not None:
        line, col = lines.line_col(mark.index)
        return Location(rel_path, line + line_offset, col)
    return Location(rel_path, mark.line + 1 + line_offset, mark.column + 1)  # pragma: no cover


_CLoader = getattr(yaml, "CSafeLoader", None)
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_RARE = re.compile("[\ufeff\r\x85\u2028\u2029\t&]")  # BOMs, unusual line breaks, tabs, anchors: the Python way


def _compose_fast(text: str):
    """(node, loader) composed by LibYAML, or None to take the slower pure-Python path.

    LibYAML composes about ten times faster. It is used only for text the Python reader accepts,
    and only when it succeeds without aliases (an alias shares a node); anything else goes the
    Python way, whose messages the docs explain, so both paths report exactly the same.
    """
    if _CLoader is None or _NON_PRINTABLE.search(text) or _RARE.search(text):
        return None
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and not _tree_without_aliases(node):
            return None
        loader.construct_object  # the constructor is used for ints, floats and booleans
        return node, loader
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    finally:
        loader.dispose()


def _tree_without_aliases(root) -> bool:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return True


def load_yaml(text: str, rel_path: str, problems: Problems, line_offset: int = 0):
    """Parse YAML text. Returns (data, marks); data is None when the text is unusable."""
    marks = Marks(rel_path)
    lines = _Lines(text)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        problems.error(
            f"file is too large ({len(text)} characters; the limit is {MAX_YAML_BYTES} bytes)",
            Location(rel_path, 1 + line_offset, 1),
            "split it into smaller files",
        )
        return None, marks
    fast = _compose_fast(text)
    if fast is not None:
        node, loader = fast
        if node is None:
            return None, marks
        data = _convert(node, (), marks, loader, problems, line_offset, 0, lines)
        return (None if data is _REFUSED else data), marks
    loader = None
    try:
        loader = _NoAliasLoader(text)  # the reader refuses control characters at once
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        message, hint, back = _syntax_problem(message, _before(lines, mark))
        if (exc.context or "").startswith("while scanning a quoted scalar") and exc.context_mark:
            mark, message, hint = exc.context_mark, "a quoted value is never closed", "end it with the quote it starts with"
        loc = _loc(rel_path, mark, line_offset, lines) if mark else Location(rel_path, 1 + line_offset, 1)
        problems.error(f"YAML syntax: {message}", loc.shifted(col=loc.col - back), hint)
        return None, marks
    except yaml.reader.ReaderError as exc:
        line, col = lines.line_col(min(exc.position, len(text)))
        problems.error(f"the character U+{exc.character:04X} is not allowed in YAML",
                       Location(rel_path, line + line_offset, col), "delete the invisible control character")
        return None, marks
    except yaml.YAMLError as exc:  # pragma: no cover - every other error carries a mark
        problems.error(f"YAML syntax: {exc}", Location(rel_path, 1 + line_offset, 1))
        return None, marks
    except RecursionError:
        problems.error("YAML is nested too deeply", Location(rel_path, 1 + line_offset, 1))
        return None, marks
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return None, marks
    data = _convert(node, (), marks, loader, problems, line_offset, 0, lines)
    if data is _REFUSED:
        data = None
    return data, marks


# What a double-quoted escape can make that is not text: C0 controls (ESC...), DEL and UTF-16 surrogates.
_UNWRITABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _unwritable(value: str, loc: Location, problems: Problems):
    """A value with a surrogate pair escaped ("\\ud83d\\ude00") becomes its character; a lone surrogate or
    a control character is refused, located at the value."""
    try:
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        problems.error("a \\u escape here makes half a character (a lone surrogate such as \\ud800)", loc,
                       "write the character itself, or both halves of the pair: \"\\ud83d\\ude00\"")
        return _REFUSED
    bad = _UNWRITABLE_RE.search(value)
    if bad is not None:
        problems.error(f"an escape here makes the control character U+{ord(bad.group()):04X}, which is not allowed",
                       loc, "delete the escape (\\e, \\x1b ...); control characters never reach a page")
        return _REFUSED
    return value
_LONE_KEY_RE = re.compile(r"^\s+([A-Za-z_][\w-]*)$")


def _before(lines: _Lines, mark) -> str:
    """The text of the mark's line before the mark."""
    if mark is None or mark.index is None:
        return ""
    line, _ = lines.line_col(mark.index)
    return lines.text[lines.starts[line - 1]:mark.index]


def _syntax_problem(message: str, before: str) -> tuple[str, str, int]:
    """PyYAML's message, or a plainer one where the usual mistake can be told; what to do about it; and how
    many columns before PyYAML's mark the mistake starts."""
    key = _LONE_KEY_RE.match(before) if "mapping values are not allowed" in message else None
    if key:  # `  note: x` under `born: 1815`: an indented key continues the value above it
        return (f"'{key.group(1)}:' is indented more than the line above it, so it is read as part of that "
                "line's value", f"indent '{key.group(1)}:' exactly as far as the keys it belongs with (if the "
                "': ' is part of the text, quote the whole value instead)", len(key.group(1)))
    if message.startswith("expected <block end>"):
        return ("this line is indented by a number of spaces that matches none of the lines above it",
                "indent it exactly as far as the lines it belongs with; if the key it was under is commented "
                "out (such as '# types:'), remove the '# ' from that key too", 0)
    return message, _syntax_hint(message), 0


def _syntax_hint(message: str) -> str:
    if message.startswith(("aliases", "anchors")):
        return "write the value out in full where it is needed"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character '\\t'" in message:
        return "indent with spaces, not tabs"
    if "could not find expected ':'" in message:
        return "check the indentation and that every key ends with ':'"
    if "expected ',' or ']'" in message:
        return "a value that starts with '[' is read as a list: quote the value or close the ']'"
    if "expected ',' or '}'" in message:
        return "a value that starts with '{' is read as a mapping: quote the value or close the '}'"
    return ""


def _note_layout(node: ScalarNode, path, marks: Marks, lines: _Lines, loc: Location) -> None:
    """Where the characters of a text value sit in the file, for precise positions inside it."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style == "|":
        body = lines.text[start:end].split("\n", 1)
        content = body[1] if len(body) > 1 else ""
        indent = next((len(l) - len(l.lstrip(" ")) for l in content.split("\n") if l.strip(" ")), 0)
        marks.block_lines[path] = loc.line + 1
        marks.block_indents[path] = indent
        return
    quotes = 2 if node.style in ("'", '"') else 0
    if node.style == ">" or end - start != len(node.value) + quotes:
        marks.inexact.add(path)


def _convert(node, path, marks: Marks, loader, problems: Problems, off: int, depth: int, lines: _Lines):
    rel = marks.rel_path
    loc = _loc(rel, node.start_mark, off, lines)
    marks.values[path] = loc
    if depth > MAX_DEPTH:
        problems.error("YAML is nested too deeply", loc)
        return None
    if isinstance(node, ScalarNode):
        if node.tag not in _PLAIN_TAGS:
            problems.error(f"YAML tag '{_shown(node.tag)}' is not allowed", loc, "remove the '!' tag")
            return _REFUSED
        _note_layout(node, path, marks, lines, loc)
        if _UNWRITABLE_RE.search(node.value):
            return _unwritable(node.value, loc, problems)
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
            problems.error(f"YAML tag '{_shown(node.tag)}' is not allowed", loc, "remove the '!' tag")
            return _REFUSED
        return [
            _unrefused(_convert(child, path + (i,), marks, loader, problems, off, depth + 1, lines))
            for i, child in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            problems.error(f"YAML tag '{_shown(node.tag)}' is not allowed", loc, "remove the '!' tag")
            return _REFUSED
        result: dict = {}
        for key_node, value_node in node.value:
            key_loc = _loc(rel, key_node.start_mark, off, lines)
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                problems.error("keys must be plain names", key_loc)
                continue
            key = key_node.value
            if _UNWRITABLE_RE.search(key):
                key = _unwritable(key, key_loc, problems)
                if key is _REFUSED:
                    continue
            if key in result:
                first = marks.keys.get(path + (key,))
                where = f" (first written at line {first.line})" if first else ""
                problems.error(f"duplicate key '{key}'{where}", key_loc, "keep one of them")
                continue
            marks.keys[path + (key,)] = key_loc
            value = _convert(value_node, path + (key,), marks, loader, problems, off, depth + 1, lines)
            if value is not _REFUSED:  # a refused value was reported where it is; the key goes with it
                result[key] = value
        return result
    problems.error("unsupported YAML node", loc)  # pragma: no cover
    return None
