"""A hand-written tokenizer for a tiny expression language.

The language has integers, floats, identifiers, string literals with escapes,
the operators + - * / % ** == != <= >= < > = and the punctuation ( ) , ;.
Comments start with '#' and run to the end of the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

# Longest operators first so that "**" is not read as two "*" tokens.
OPERATORS = ("**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "=")
PUNCTUATION = "(),;"
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}


class TokenizeError(Exception):
    """Raised when the input contains a character sequence we cannot lex."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line}, column {column}")
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # "int", "float", "ident", "string", "op", "punct" or "eof"
    text: str
    line: int
    column: int


def tokenize(source: str) -> Iterator[Token]:
    """Yield tokens from source, ending with a single "eof" token.

    A naïve approach would split on whitespace and regex-match each piece, but
    that breaks on "a+b" and on strings containing spaces; instead we scan one
    character at a time (source text → tokens) and track line/column for errors.
    """
    i, line, col, n = 0, 1, 1, len(source)
    while i < n:
        ch = source[i]
        start_col = col
        if ch == "\n":
            i, line, col = i + 1, line + 1, 1
            continue
        if ch.isspace():
            i, col = i + 1, col + 1
            continue
        if ch == "#":
            end = source.find("\n", i)
            end = n if end == -1 else end
            i, col = end, col + (end - i)
            continue
        if ch.isdigit():
            j = i
            while j < n and source[j].isdigit():
                j += 1
            kind = "int"
            if source[j:j + 1] == "." and source[j + 1:j + 2].isdigit():
                kind, j = "float", j + 1
                while j < n and source[j].isdigit():
                    j += 1
            yield Token(kind, source[i:j], line, start_col)
            col += j - i
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1
            yield Token("ident", source[i:j], line, start_col)
            col += j - i
            i = j
            continue
        if ch == '"':
            value, consumed = _read_string(source, i, line, start_col)
            yield Token("string", value, line, start_col)
            i, col = i + consumed, col + consumed
            continue
        op = next((o for o in OPERATORS if source.startswith(o, i)), None)
        if op is not None:
            yield Token("op", op, line, start_col)
            i, col = i + len(op), col + len(op)
            continue
        if ch in PUNCTUATION:
            yield Token("punct", ch, line, start_col)
            i, col = i + 1, col + 1
            continue
        raise TokenizeError(f"unexpected character {ch!r}", line, start_col)
    yield Token("eof", "", line, col)


def _read_string(source: str, start: int, line: int, col: int) -> tuple[str, int]:
    """Read a double-quoted literal at source[start]; return (value, length)."""
    out: list[str] = []
    i = start + 1
    while i < len(source) and source[i] != "\n":
        ch = source[i]
        if ch == '"':
            return "".join(out), i - start + 1
        if ch == "\\":
            if i + 1 >= len(source) or source[i + 1] not in ESCAPES:
                raise TokenizeError("invalid escape sequence", line, col + i - start)
            out.append(ESCAPES[source[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise TokenizeError("unterminated string literal", line, col)


if __name__ == "__main__":
    for tok in tokenize('x = 2 ** 10 + f(3.5, "hi\\n")  # demo'):
        print(tok)
