"""The code inside a step: sed scripts, awk programs and SQL, read with their own grammars."""

from __future__ import annotations

import pytest

from medic.act.codecheck import awk_problem, classify_sql, sed_problem
from medic.act.verdict import Kind


@pytest.mark.parametrize(
    "script",
    [
        "p",
        "1,10p",
        "$p",
        "/^#/d",
        "s/a/b/g",
        "s#/var#/data#2",
        "s/x/[e]/gI",
        "/start/,/end/{s/a/b/;p}",
        "0~2p",
        "/x/!d",
        "y/abc/xyz/",
        "1i\\\nheader",
        "r /etc/hostname",
        ":a;N;$!ba;s/\\n/ /g",
        "# comment\np",
        "\\%x%p",
    ],
)
def test_sed_scripts_that_only_print(script: str) -> None:
    assert sed_problem(script) == ""


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ("1e id", "sed e runs a command"),
        ("e", "sed e runs a command"),
        ("s/a/b/e", "s///e"),
        ("s/a/b/ge", "s///e"),
        ("s/a/b/w /tmp/x", "s///w"),
        ("s/a/b/3w /tmp/x", "s///w"),
        ("w /tmp/x", "sed w writes"),
        ("/x/W /tmp/x", "sed w writes"),
        ("p;e id", "sed e runs a command"),
        ("{p;e id\n}", "sed e runs a command"),
        ("s/a/b", "cannot be read"),
        ("s|[|]|x|e", "cannot be read safely"),
        ("1,", "ends without a command"),
        ("v", "sed command v is not known"),
        ("s/a/b/k", "flag k"),
    ],
)
def test_sed_scripts_that_run_or_write(script: str, why: str) -> None:
    assert why in sed_problem(script)


@pytest.mark.parametrize(
    "program",
    [
        "{print $1}",
        "$3 > 100 {print $1}",
        "NR>1 && ($2 >= 5 || /x|y/) { n++ } END { print n }",
        '{ print ($1 > 2) ? "big" : "small" }',
        '{ printf "%s\\n", $1 }',
        "{ a = $1 / 2; print a }",
        "/a\\/b/ { print }",
        'BEGIN { FS = "|" } { print $2 }',
        '{ sub(/x/, "y"); print }',
        "# count\n{ n++ }\nEND { print n }",
    ],
)
def test_awk_programs_that_only_print(program: str) -> None:
    assert awk_problem(program) == ""


@pytest.mark.parametrize(
    ("program", "why"),
    [
        ('BEGIN { system("id") }', "system()"),
        ('BEGIN { system ("id") }', "system()"),
        ('{ print | "sh" }', "pipes"),
        ('{ "date" | getline d }', "pipes"),
        ('{ print |& "cat" }', "pipes"),
        ('{ print > "/tmp/x" }', "writes to a file"),
        ('{ print $1, $2 >> "/tmp/x" }', "writes to a file"),
        ('{ printf("%s", $1) > "/tmp/x" }', "writes to a file"),
        ('@load "filefuncs"', "@"),
        ("{ @f() }", "@"),
        ('{ print "open', "cannot be read"),
    ],
)
def test_awk_programs_that_run_or_write(program: str, why: str) -> None:
    assert why in awk_problem(program)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM dashboard",
        "select count(*) from t where name = 'DELETE FROM x'",
        "SELECT CONCAT('DELETE FROM `', table_name, '`;') FROM information_schema.tables",
        "SHOW TABLES; DESCRIBE t",
        "SET SESSION sql_mode = 'ANSI_QUOTES'",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "SELECT 1 -- DROP TABLE t",
        "",
    ],
)
def test_sql_that_only_reads(sql: str) -> None:
    assert classify_sql(sql).kind is Kind.READ_ONLY


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("DELETE FROM t", "DELETE"),
        ("SELECT 1; DROP TABLE t", "DROP"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "DELETE"),
        ("SELECT * INTO OUTFILE '/tmp/x' FROM t", "INTO"),
        ("SELECT nextval('s')", "NEXTVAL"),
        ("SELECT sleep(100)", "SLEEP"),
        ("SET GLOBAL read_only = 0", "SET"),
        ("system rm -rf /", "SYSTEM"),
        ("\\! id", "client command"),
        ("COPY t TO '/tmp/x'", "COPY"),
        ("source /tmp/x.sql", "SOURCE"),
    ],
)
def test_sql_that_changes(sql: str, why: str) -> None:
    v = classify_sql(sql)
    assert v.kind is Kind.MUTATING
    assert why in v.reason
