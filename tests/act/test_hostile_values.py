"""Hostile values × placeholder contexts: a value is one literal word where Medic understands the quoting,
the command is manual (shown, never run) everywhere else, and a value that does not fit refuses the run."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medic.act.audit import AuditLog
from medic.act.classify import Kind
from medic.act.params import render_line
from medic.act.plan import Command, Plan, build_plan, render_command
from medic.act.run import Runner, RunOptions
from medic.errors import InputError
from medic.knowledge.ingest import index_paths
from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

RUNBOOK = Path(__file__).parent / "runbooks" / "hostile-values.md"
PLAIN = "Procedure: inspect a pod with values in plain words"
CODE = "Procedure: values where a program reads code"
DRAIN = "Procedure: drain a node for maintenance"
# stand-ins that must never be called: each records its argv like kubectl does
WATCHED = ("id", "touch", "ssh", "mysql", "awk", "curl", "rm")

HOSTILE = [
    "$(id)",
    "`id`",
    "x; id",
    "a|id",
    "a && id",
    "'; id; '",
    '" && id && "',
    "${IFS}id",
    "$IFS$(id)",
    "* ? [a]",
    "\\$(id)",
    "x'\"'\"'y",
    "a\\",
    "%s%n",
    "日本語 名前",
    "<(id)",
    ">/tmp/x",
    "~root",
    "!!",
    "a=b",
]

# (template, how the printed word is built from the value)
SAFE_CONTEXTS = [
    ("printf '%s\\n' <v>", "{}"),
    ("printf '%s\\n' \"<v>\"", "{}"),
    ("printf '%s\\n' '<v>'", "{}"),
    ("printf '%s\\n' pre-<v>-post", "pre-{}-post"),
    ("printf '%s\\n' \"pre <v> post\"", "pre {} post"),
    ("printf '%s\\n' 'pre <v> post'", "pre {} post"),
    ("printf '%s\\n' --opt=<v>", "--opt={}"),
    ("printf '%s\\n' \"$HOME\"/<v>", "{home}/{}"),
    ("printf '%s\\n' <v> | cat", "{}"),
    ("true && printf '%s\\n' <v>", "{}"),
    ("printf '%s\\n' \"$(echo a)\" <v>", "a\n{}"),
    ('printf \'%s\\n\' "$(echo ")")" <v>', ")\n{}"),  # a quote inside $(...) earlier on the line
    ('X=<v> sh -c \'printf "%s\\n" "$X"\'', "{}"),
    ("printf '%s\\n' <v> >/dev/null; printf '%s\\n' <v>", "{}"),
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("template", "expected"), SAFE_CONTEXTS)
def test_value_is_one_literal_word_where_the_quoting_is_understood(
    template: str, expected: str, value: str, tmp_path: Path
) -> None:
    line = render_line(template, {"v": value})
    assert line.manual_reason == "" and line.missing == []
    home = str(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "HOME": home}
    out = subprocess.run(["/bin/sh", "-c", line.text], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == expected.format(value, home=home) + "\n"
    assert list(tmp_path.iterdir()) == []  # no redirection, nothing written


@pytest.mark.parametrize("value", HOSTILE)
def test_argv_path_gets_the_value_as_one_argument(value: str) -> None:
    cmd = Command("kubectl annotate pod web-0 note=<v>", Kind.MUTATING, "")
    r = render_command(cmd, {"v": value})
    assert r.manual_reason == "" and r.argv is not None
    assert r.argv == ["kubectl", "annotate", "pod", "web-0", f"note={value}"]


UNSAFE_CONTEXTS = [
    ('echo "prefix $(cat <v>) suffix"', "command substitution"),
    ('echo "a `id <v>` b"', "command substitution"),
    ("echo $(<v>)", "command substitution"),
    ("diff <(cat <v>) file", "process substitution"),
    ('echo "${HOME:-<v>}"', "parameter expansion"),
    ("echo $<v>", "parameter expansion"),
    ("echo $HOME<v>", "parameter expansion"),
    ("echo $((<v> + 1))", "cannot read this line"),
    ("echo $'<v>'", "$'...' string"),
    ('echo $"<v>"', '$"..." string'),
    ("echo \\<v>", "backslash"),
    ("~<v>/bin/tool", "~user expansion"),
    ("cat <<EOF\n<v>\nEOF", "here-document"),
    ('grep x <<< "<v>"', "here-string"),
    ("(cd <v>; ls)", "compound command"),
    ("{ ls <v>; }", "compound command"),
    ("for i in <v>; do echo $i; done", "compound command"),
    ("if true; then echo <v>; fi", "compound command"),
    ("eval echo <v>", "eval runs its arguments"),
    ("source <v>", "source runs its arguments"),
    (". <v>", ". runs its arguments"),
    ("sh -c 'echo <v>'", "inside a sh command line"),
    ('bash -c "echo <v>"', "inside a bash command line"),
    ("sudo bash -c 'ls <v>'", "inside a bash command line"),
    ("kubectl exec web-0 -- sh -c 'ls <v>'", "inside a sh command line"),
    ("docker exec web sh -c 'ls <v>'", "inside a sh command line"),
    ("xargs -I{} sh -c 'echo {} <v>'", "inside a sh command line"),
    ("find / -name x -exec sh -c 'echo <v>' \\;", "inside a sh command line"),
    ("awk '/<v>/ {print $1}' file", "awk program"),
    ("awk -v x=<v> '{print x}' file", "awk program"),
    ("kubectl get pods | gawk '{print \"<v>\"}'", "awk program"),
    ("sed -n 's/<v>/x/p' file", "sed script"),
    ("sed -e 's/a/<v>/' file", "sed script"),
    ("jq '.items[] | select(.name==\"<v>\")' file", "jq program"),
    ("python3 -c 'print(\"<v>\")'", "python program"),
    ("perl -e 'print \"<v>\"'", "perl program"),
    ("mysql -u root -e \"SELECT * FROM t WHERE name='<v>'\"", "SQL statement (mysql -e)"),
    ("mysql -u root --execute=\"SELECT '<v>'\"", "SQL statement (mysql -e)"),
    ('kubectl exec db-0 -- mysql -e "DELETE FROM t WHERE id=<v>"', "SQL statement (mysql -e)"),
    ('psql -c "SELECT <v>"', "SQL statement (psql -c)"),
    ("sqlite3 grafana.db \"SELECT * FROM t WHERE x='<v>'\"", "SQL statement (sqlite3 DB SQL)"),
    ('redis-cli -h db EVAL "return <v>" 0', "Redis script"),
    ("ssh db1 kubectl get pod <v>", "remote shell"),
    ("ssh -o ProxyCommand=<v> db1", "ssh option"),
    ("watch kubectl get pod <v>", "watch runs its arguments"),
    ("su -c 'ls <v>' root", "su -c hands"),
    ("env -S 'ls <v>'", "env -S"),
    ("git -c core.sshCommand=<v> fetch", "git configuration"),
    ("export PATH=<v>:$PATH", "would set PATH"),
    ("KUBECONFIG=<v> kubectl get pods", "would set KUBECONFIG"),
    ("LD_PRELOAD=<v> ls", "would set LD_PRELOAD"),
    ("env BASH_ENV=<v> bash script.sh", "would set BASH_ENV"),
    ("export <v>=1", "would name a variable"),
    ("kubectl get pods --<v>", "name an option"),
    ("kubectl get pods -<v> x", "name an option"),
    ("<v> --help", "choose the program"),
    ("sudo <v> get pods", "choose the program"),
    ("kubectl exec web-0 -- <v> -la", "choose the program"),
    ("echo 'unterminated <v>", "cannot read this line"),
    ("echo " + "$(" * 300 + "<v>" + ")" * 300, "cannot read this line"),
    ("echo " + "a " * 5000 + "<v>", "longer than 8192 characters"),
]


@pytest.mark.parametrize(("template", "reason"), UNSAFE_CONTEXTS)
def test_a_value_where_the_quoting_is_not_understood_makes_the_command_manual(template: str, reason: str) -> None:
    for value in ("web-0", "$(id)"):
        r = render_command(Command(template, Kind.MUTATING, ""), {"v": value})
        assert reason in r.manual_reason, r.manual_reason
        assert r.argv is None and r.script is None  # nothing Medic could run
        assert value in r.display or value == "$(id)"  # shown to the operator with the value


@pytest.mark.parametrize(
    "template",
    [
        "kubectl get pods -n <v> -o wide | grep -F -- x",
        "kubectl get namespace <v> -o json | jq '.spec.finalizers = []' "
        '| kubectl replace --raw "/api/v1/namespaces/<v>/finalize" -f -',
        "jq --arg n <v> '.items[] | select(.name == $n)' pods.json",
        "sed -n 's/a/b/p' <v>",
        "cat <v> | awk '{print $1}'",
        "mysql -h <v> -u root db",
        "kubectl exec -n <v> db-0 -- sh -c 'mysqldump -u grafana grafana' > dump.sql",
        "sudo timeout 5 kubectl logs <v>",
        "echo 'server <v> iburst' >> /etc/chrony.conf",
        'READY_ETCD_MEMBER="<v>"',
        "kubectl get pod <v> -o yaml > <v>.yaml",
    ],
)
def test_understood_contexts_stay_runnable(template: str) -> None:
    assert render_line(template, {"v": "web-0"}).manual_reason == ""


def test_json_patch_values_are_json_escaped() -> None:
    cmd = Command('kubectl patch cm notes -p \'{"data":{"<k>":"<v>"}}\'', Kind.MUTATING, "")
    value = 'x","evil":"1\\'
    r = render_command(cmd, {"k": "note", "v": value})
    assert r.argv is not None and json.loads(r.argv[-1]) == {"data": {"note": value}}


# -- plans and runs -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_source(act_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog and seeds plus the hostile runbook written for these tests, indexed once."""
    target = tmp_path_factory.mktemp("hostile") / "medic.db"
    shutil.copy(act_store.path, target)
    store = Store(target)
    try:
        report = index_paths(store, [str(RUNBOOK)])
        assert report.ok, report.failed
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return target


@pytest.fixture()
def hostile_db(hostile_source: Path, tmp_path: Path) -> Path:
    """A private copy (each test has its own audit log beside it)."""
    target = tmp_path / "data" / "medic.db"
    target.parent.mkdir()
    shutil.copy(hostile_source, target)
    return target


@pytest.fixture()
def watched(tools: Tools) -> Tools:
    stand_in = (tools.bin / "kubectl").read_text(encoding="utf-8")
    for name in WATCHED:
        exe = tools.bin / name
        exe.write_text(stand_in, encoding="utf-8")
        exe.chmod(0o755)
    return tools


def plan_of(db: Path, title: str) -> Plan:
    store = Store(db)
    try:
        return build_plan(store, store.get(entry_by_title(store, title)))
    finally:
        store.close()


def medic(db: Path, tools: Tools, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**tools.env, "MEDIC_DB": str(db), "MEDIC_SEMANTIC": "0", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=str(db.parent),
        timeout=60,
    )


GOOD = {
    "pod": "web-0",
    "namespace": "shop",
    "container": "app",
    "since": "5m",
    "configmap": "notes",
    "service": "ldap",
}


def test_the_code_runbook_is_all_manual_with_reasons(hostile_db: Path) -> None:
    plan = plan_of(hostile_db, CODE)
    assert [s.manual_reason for s in plan.steps] == [
        "the value would land inside a command substitution ($(...) or backticks): run it by hand",
        "the value would land inside an awk program: run it by hand",
        "the value would land inside an SQL statement (mysql -e): run it by hand",
        "the value would land inside a sh command line (sh reads its arguments as code): run it by hand",
        "ssh joins the remote command into one line that the remote shell reads: run it by hand",
        "the value would land inside a command substitution ($(...) or backticks): run it by hand",
        "the value would land inside a ${...} parameter expansion: run it by hand",
        "the value would land inside a here-string (it feeds the program's input): run it by hand",
    ]
    assert [str(s.kind) for s in plan.steps] == ["manual"] * 8
    assert not plan.rollback[0].manual  # its value sits in a plain word


@pytest.mark.parametrize("value", HOSTILE)
def test_free_text_values_run_as_literal_words(hostile_db: Path, watched: Tools, tmp_path: Path, value: str) -> None:
    plan = plan_of(hostile_db, PLAIN)
    assert plan.bind({**GOOD, "pattern": value, "note": value}) == []
    audit = AuditLog(tmp_path / "audit.db")
    try:
        result = Runner(
            plan,
            audit,
            RunOptions(execute=True, yes=True, allow_mutating=True, timeout=20.0),
            ask=None,
            emit=lambda _line: None,
            cwd=tmp_path,
        ).run()
    finally:
        audit.close()
    assert result.status == "completed", result.message
    calls = watched.calls()
    assert calls[:4] == [
        ["kubectl", "get", "pod", "web-0", "-n", "shop", "-o", "yaml"],
        ["kubectl", "logs", "web-0", "-n", "shop", "-c", "app", "--since=5m"],
        ["kubectl", "get", "pods", "-n", "shop", "-o", "wide"],
        ["kubectl", "annotate", "pod", "web-0", "-n", "shop", "--overwrite", f"example.com/note=seen: {value}"],
    ]
    assert calls[4][:-1] == ["kubectl", "patch", "configmap", "notes", "-n", "shop", "--type", "merge", "-p"]
    assert json.loads(calls[4][-1]) == {"data": {"note": value}}
    assert calls[5:] == [["docker", "service", "ps", "ldap"], ["kubectl", "delete", "pod", "web-0", "-n", "shop"]]
    # nothing but the stand-ins' log, the audit log (with its anchor and run locks) and the fixtures' folders
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "argv.log",
        "audit.anchor",
        "audit.db",
        "audit.locks",
        "bin",
        "data",
    ]


def test_hostile_values_in_code_contexts_run_nothing(hostile_db: Path, watched: Tools) -> None:
    sets = ["pod=web-0", "namespace=shop", "pattern=$(id)", "user=x' OR '1'='1", "dir=/; id", "host=db1"]
    args = [a for s in sets for a in ("--set", s)]
    r = medic(hostile_db, watched, "run", entry_id(hostile_db, CODE), *args, "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 3, r.stdout + r.stderr  # paused at the first manual step: nobody is there
    assert "needs a person (manual)" in r.stdout
    assert watched.calls() == []
    r = medic(hostile_db, watched, "run", entry_id(hostile_db, CODE), *args)
    assert r.returncode == 0 and watched.calls() == []
    shown = r.stdout
    assert "manual: the value would land inside an awk program: run it by hand" in shown
    assert "$(id)" in shown and "x' OR '1'='1" in shown.replace("'\"'\"'", "'")


def test_manual_steps_are_shown_and_never_run_with_a_person(hostile_db: Path, watched: Tools, tmp_path: Path) -> None:
    plan = plan_of(hostile_db, CODE)
    plan.bind({"pod": "web-0", "namespace": "shop", "pattern": "$(id)", "user": "u", "dir": "/", "host": "db1"})
    answers: list[str] = []
    lines: list[str] = []

    def ask(prompt: str, choices: tuple[str, ...]) -> str:
        answers.append(prompt)
        return "done" if "manual" in prompt else "yes"

    audit = AuditLog(tmp_path / "audit.db")
    try:
        result = Runner(plan, audit, RunOptions(execute=True), ask=ask, emit=lines.append, cwd=tmp_path).run()
    finally:
        audit.close()
    assert result.status == "completed"
    assert len(answers) == 8 and all("is manual" in a for a in answers)
    assert watched.calls() == []


def entry_id(db: Path, title: str) -> str:
    store = Store(db)
    try:
        return entry_by_title(store, title)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("title", "name", "value", "why"),
    [
        (DRAIN, "node", "--selector=kubernetes.io/os=linux", "a node name is an RFC 1123 name"),
        (PLAIN, "pod", "--kubeconfig=/evil", "RFC 1123"),
        (PLAIN, "pod", "--all", "RFC 1123"),
        (PLAIN, "pod", "\u2010\u2010all", "RFC 1123"),
        (PLAIN, "pod", "\u2212\u2212all", "RFC 1123"),
        (CODE, "pattern", "-v", "would be read as an option"),
        (CODE, "pattern", "\u2013v", "would be read as an option"),
        (CODE, "pattern", "\uff0dv", "would be read as an option"),
        (CODE, "user", "--all-databases", "would be read as an option"),
        (PLAIN, "pod", "web 0", "RFC 1123"),
        (PLAIN, "pod", "web-*", "RFC 1123"),
        (PLAIN, "pod", "$(id)", "RFC 1123"),
        (PLAIN, "namespace", "shop;id", "RFC 1123 label"),
        (PLAIN, "namespace", "${IFS}", "RFC 1123 label"),
        (PLAIN, "since", "5m|id", "a duration"),
        (PLAIN, "note", "x\x1b[2Jy", "control character"),
    ],
)
def test_a_refused_value_binds_nothing(hostile_db: Path, title: str, name: str, value: str, why: str) -> None:
    plan = plan_of(hostile_db, title)
    with pytest.raises(InputError, match=why.replace("(", r"\(").replace("|", r"\|")) as info:
        plan.bind({name: value})
    assert "\n" not in str(info.value) and str(info.value).startswith(f"--set {name}=")
    assert plan.values == {}


@pytest.mark.parametrize(
    ("title", "sets", "line"),
    [
        (
            DRAIN,
            ["node=--selector=kubernetes.io/os=linux"],
            "medic: --set node='--selector=kubernetes.io/os=linux': "
            "a node name is an RFC 1123 name (lowercase letters, digits, '-', '.')",
        ),
        (
            PLAIN,
            ["pod=--kubeconfig=/evil", "namespace=shop"],
            "medic: --set pod='--kubeconfig=/evil': "
            "a Kubernetes name is an RFC 1123 name (lowercase letters, digits, '-', '.'; at most 253)",
        ),
        (
            PLAIN,
            ["pod=web-0", "namespace=$(id)"],
            "medic: --set namespace='$(id)': "
            "a namespace is an RFC 1123 label (lowercase letters, digits, '-'; at most 63)",
        ),
    ],
)
def test_cli_refuses_in_one_line_and_runs_nothing(
    hostile_db: Path, watched: Tools, title: str, sets: list[str], line: str
) -> None:
    args = [a for s in sets for a in ("--set", s)]
    r = medic(hostile_db, watched, "run", entry_id(hostile_db, title), *args, "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 2 and r.stderr == line + "\n" and r.stdout == ""
    assert watched.calls() == []


def test_display_quotes_values_for_copy_and_paste() -> None:
    cmd = Command('kubectl get pods -n <ns> | grep -F -- "<pattern>"', Kind.READ_ONLY, "")
    r = render_command(cmd, {"namespace": "shop", "pattern": "a b'c"})
    assert r.script is not None and shlex.split(r.display)[-1] == "a b'c"
    assert r.display == 'kubectl get pods -n shop | grep -F -- ""\'a b\'"\'"\'c\'""'


def test_here_document_steps_are_manual(act_store: Store) -> None:
    """A here-document's text is a block of its own in a runbook: Medic would run the command empty."""
    title = "Repository server disk full: service log files under /var/log/services keep growing"
    plan = build_plan(act_store, act_store.get(entry_by_title(act_store, title)))
    step = next(s for s in plan.steps if any("<<'EOF'" in c.template for c in s.commands))
    assert step.manual and str(step.kind) == "manual"
    assert step.manual_reason == "a here-document: Medic does not feed its text to the command: run it by hand"
    title = "LoadBalancer Service stuck with EXTERNAL-IP pending"
    plan = build_plan(act_store, act_store.get(entry_by_title(act_store, title)))
    step = next(s for s in plan.steps if any("<<'EOF'" in c.template for c in s.commands))
    assert step.manual_reason == "a here-document: Medic does not feed its text to the command: run it by hand"


def test_plan_json_never_shows_a_secret_value(act_store: Store) -> None:
    store_plan = build_plan(act_store, act_store.get(entry_by_title(act_store, "Azure で Backup の設定ができない")))
    secret = "s3cr3t-Value/With+Base64=="
    store_plan.bind({"storage-key": secret, "storage-account": "acct"})
    shown = json.dumps(store_plan.to_dict(), ensure_ascii=False)
    assert secret not in shown and "<redacted>" in shown and "acct" in shown
    assert store_plan.values["storage-key"] == secret  # what runs keeps the value
