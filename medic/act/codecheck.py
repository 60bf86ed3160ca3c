"""The code inside a step, read to prove it only reads: SQL statements, sed scripts and awk programs.

- ``classify_sql(text)``: read-only only when every statement starts with a reading verb (``SELECT``,
  ``SHOW``, ``DESCRIBE``, ``EXPLAIN``, ``USE``, ``WITH``; ``SET SESSION``/``SET @x`` change only the session)
  and no word outside strings and quoted names changes data (``INTO``, ``DELETE``, ``nextval``, ``sleep``...);
  a client command (``\\!``, ``\\o``, ``\\copy``) is refused.
- ``sed_problem(script)``: parses sed's grammar (addresses, commands, ``s`` and ``y`` with their delimiters
  and flags); ``e``, ``w``/``W``, ``s///e`` and ``s///w`` run commands or write files, and anything it cannot
  read is refused.
- ``awk_problem(program)``: tokenises awk (strings, regular expressions, operators) and refuses
  ``system()``, any pipe (``print | cmd``, ``cmd | getline``, ``|&``), output redirection inside ``print``
  and ``printf`` (``print > file``; ``>`` elsewhere is a comparison) and gawk's ``@`` directives.
"""

from __future__ import annotations

import re

from medic.act.verdict import Kind, Verdict

SQL_WORD = re.compile(
    r"^\s*(select|show|describe|desc|explain|use|with|insert|update|delete|drop|alter|truncate|create|grant"
    r"|revoke|replace|rename|source)\b",
    re.I,
)
_SQL_READ = frozenset({"select", "show", "describe", "desc", "explain", "use", "with", "values"})
# words that change data or the server wherever they stand in a statement (outside strings and quoted names)
_SQL_CHANGES = frozenset(
    "insert update delete drop alter truncate create grant revoke replace rename merge call do handler load "
    "lock unlock copy into outfile dumpfile attach detach vacuum reindex cluster refresh import install "
    "uninstall kill shutdown flush reset purge prepare execute deallocate notify nextval setval set_config "
    "pg_terminate_backend pg_cancel_backend pg_reload_conf pg_rotate_logfile pg_switch_wal lo_export lo_import "
    "dblink dblink_exec sys_exec sys_eval sleep pg_sleep benchmark get_lock pg_advisory_lock".split()
)
_SQL_SESSION_SET = re.compile(r"^\s*set\s+(session\b|@|names\b|local\b)", re.I)


def _sql_code(text: str) -> str:
    """SQL with strings, quoted names and comments blanked (their words never decide anything)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(" ")
            i = j + 1
            continue
        if text.startswith("--", i) or c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def classify_sql(text: str) -> Verdict:
    """SQL statements: read-only only when every statement starts with a reading verb and changes nothing."""
    code = _sql_code(text)
    if "\\" in code:
        return Verdict(Kind.MUTATING, "a database client command (\\...) may run programs or write files")
    for stmt in (s for s in code.split(";") if s.strip()):
        words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", stmt)
        if not words:
            continue
        first = words[0].lower()
        if first == "set" and _SQL_SESSION_SET.match(stmt):
            continue
        if first not in _SQL_READ:
            return Verdict(Kind.MUTATING, f"SQL {first.upper()} is not known to only read")
        bad = next((w for w in words if w.lower() in _SQL_CHANGES), None)
        if bad:
            return Verdict(Kind.MUTATING, f"SQL {bad.upper()} changes data")
    return Verdict(Kind.READ_ONLY, "SQL that only reads")


def sed_problem(script: str) -> str:
    """Why a sed script may run a command or write a file ('' when it only prints)."""
    i, n = 0, len(script)

    def regex_end(start: int, delim: str) -> int:
        j = start
        while j < n:
            if script[j] == "\\":
                j += 2
                continue
            if script[j] == "\n":
                return -1
            if script[j] == delim:
                return j
            j += 1
        return -1

    def address(i: int) -> int:
        if i < n and script[i].isdigit():
            while i < n and (script[i].isdigit() or script[i] == "~"):
                i += 1
        elif i < n and script[i] == "$":
            i += 1
        elif i < n and script[i] in "+~" and i + 1 < n and script[i + 1].isdigit():
            i += 1
            while i < n and script[i].isdigit():
                i += 1
        elif i < n and (script[i] == "/" or (script[i] == "\\" and i + 1 < n)):
            delim = "/" if script[i] == "/" else script[i + 1]
            end = regex_end(i + (1 if script[i] == "/" else 2), delim)
            if end < 0:
                return -1
            i = end + 1
            while i < n and script[i] in "IM":
                i += 1
        return i

    while i < n:
        while i < n and script[i] in " \t\n;":
            i += 1
        if i >= n:
            return ""
        if script[i] == "#":
            nl = script.find("\n", i)
            i = n if nl < 0 else nl
            continue
        i = address(i)
        if i >= 0 and i < n and script[i] == ",":
            i = address(i + 1)
        if i < 0:
            return "sed script cannot be read"
        while i < n and script[i] in " \t!":
            i += 1
        if i >= n:
            return "sed script ends without a command"
        cmd = script[i]
        i += 1
        if cmd in "{}":
            continue
        if cmd in "pPdDnNgGhHxz=lLqQF":
            while i < n and script[i].isdigit():
                i += 1
            continue
        if cmd in "btT:":
            while i < n and script[i] not in ";\n}":
                i += 1
            continue
        if cmd in "aicrR":
            # text or a file name to the end of the line (r/R read a file: still read-only)
            while i < n and script[i] != "\n":
                i += 2 if script[i] == "\\" else 1
            continue
        if cmd in "sy":
            if i >= n or script[i] in "\n\\":
                return f"sed {cmd} command cannot be read"
            delim = script[i]
            first = regex_end(i + 1, delim)
            second = regex_end(first + 1, delim) if first >= 0 else -1
            if second < 0:
                return f"sed {cmd} command cannot be read"
            if "[" in script[i + 1 : first] and delim != "/":
                return "sed s command with an unusual delimiter and a bracket expression cannot be read safely"
            i = second + 1
            if cmd == "y":
                continue
            while i < n and script[i] in "gpiImM0123456789":
                i += 1
            if i < n and script[i] == "e":
                return "sed s///e runs the result as a command"
            if i < n and script[i] in "wW":
                return "sed s///w writes to a file"
            if i < n and script[i] not in " \t\n;}#":
                return f"sed s flag {script[i]} is not known to be read-only"
            continue
        if cmd in "eE":
            return "sed e runs a command"
        if cmd in "wW":
            return "sed w writes to a file"
        return f"sed command {cmd} is not known to be read-only"
    return ""


def awk_problem(prog: str) -> str:
    """Why an awk program may run a command or write a file ('' when it only prints to standard output)."""
    i, n = 0, len(prog)
    operand = False  # the last token ends an operand (so "/" divides rather than starts a regex)
    in_print = False
    depth = 0
    while i < n:
        c = prog[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and i + 1 < n and prog[i + 1] == "\n":
            i += 2
            continue
        if c in "\n;":
            in_print, operand = False, False
            i += 1
            continue
        if c == "#":
            nl = prog.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c == '"' or (c == "/" and not operand):
            j = i + 1
            bracket = False
            while j < n and (prog[j] != c or bracket):
                if prog[j] == "\\":
                    j += 1
                elif c == "/" and prog[j] == "[":
                    bracket = True
                elif c == "/" and prog[j] == "]":
                    bracket = False
                elif prog[j] == "\n":
                    return "awk program cannot be read"
                j += 1
            if j >= n:
                return "awk program cannot be read"
            i, operand = j + 1, True
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (prog[j].isalnum() or prog[j] == "_"):
                j += 1
            ident = prog[i:j]
            i = j
            if ident == "system":
                return "awk program calls system()"
            if ident in ("print", "printf"):
                in_print, depth, operand = True, 0, False
            elif ident in ("in", "if", "while", "for", "do", "else", "return", "getline", "delete", "case"):
                operand = False
            else:
                operand = True
            continue
        if c.isdigit() or c == ".":
            while i < n and (prog[i].isalnum() or prog[i] == "."):
                i += 1
            operand = True
            continue
        if c == "@":
            return "awk program uses a gawk directive or an indirect call (@)"
        if c == "|":
            if prog.startswith("||", i):
                i, operand = i + 2, False
                continue
            return "awk program pipes to or from a command"
        if c == ">":
            if in_print and depth == 0:
                return "awk program writes to a file (print >)"
            i, operand = i + (2 if prog.startswith(">=", i) else 1), False
            continue
        if c in "([{":
            depth += 1 if in_print else 0
            i, operand = i + 1, False
            continue
        if c in ")]":
            depth -= 1 if in_print else 0
            i, operand = i + 1, True
            continue
        if c == "}":
            in_print, operand = False, False
            i += 1
            continue
        i, operand = i + 1, False
    return ""
